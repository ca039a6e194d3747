// Package cursorfunc finds how a sink reads the cursor of a value: the
// function it was given, or else the value's own Cursor method. Not every
// source's values have one: walkdir.Entry, scanner.Token, sqlrows.Row (of
// Keyset) and s3list.Entry (of Entries) do; the types.Object of s3list.All,
// the caller's own type of sqlrows.All, Rows and SQL, and watch.Event do
// not, so a sink of those has no cursor unless it is given the function.
//
// It imports only the standard library.
package cursorfunc

import "reflect"

type cursorer interface{ Cursor() string }

// Of returns the cursor function for values of type V: f if not nil, or
// else V's Cursor method, or else nil. Its second result is false for a
// value without a cursor: a nil interface value of a V that is an
// interface type, whose method cannot be called.
func Of[V any](f func(V) string) func(V) (string, bool) {
	if f != nil {
		return func(v V) (string, bool) { return f(v), true }
	}
	if reflect.TypeFor[V]().Implements(reflect.TypeFor[cursorer]()) {
		return func(v V) (string, bool) {
			c, ok := any(v).(cursorer)
			if !ok {
				return "", false
			}
			return c.Cursor(), true
		}
	}
	return nil
}
