package conformance

import (
	"errors"
	"fmt"
	"iter"
	"reflect"
)

// A run is what the suite saw of one range over an iterator: the values in
// order, the error that ended it (if any), and every breach of the
// iterator contract noticed on the way.
type run[V any] struct {
	values     []V
	err        error // the error pair, if one came
	errs       int   // error pairs seen
	violations []error
	panicked   bool
	panicVal   any
}

// violation records a breach once per kind.
func (r *run[V]) violation(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, v := range r.violations {
		if v.Error() == msg {
			return
		}
	}
	r.violations = append(r.violations, errors.New(msg))
}

func (r *run[V]) violationErr() error { return errors.Join(r.violations...) }

// continuedPanic is what the driver panics with, inside the iterator, when
// the iterator calls yield again after yield returned false: that is what
// the runtime does to a range loop, and it stops a broken iterator that
// would otherwise loop forever.
type continuedPanic struct{}

// drive ranges over seq by calling it directly, as a range statement does,
// and hands each pair to body, which says whether to go on. It checks the
// iterator contract on every pair: no pair after an error pair, a zero
// value in the error pair, no call of yield after it returned false. A
// panic out of seq (including one raised by body) is recovered and
// recorded, so a broken source cannot crash the test binary.
func drive[V any](seq iter.Seq2[V, error], body func(v V, err error) bool) (r run[V]) {
	if seq == nil {
		r.violation("the constructor returned a nil iterator")
		return r
	}
	stopped := false
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(continuedPanic); ok {
				return // recorded below, in yield
			}
			r.panicked, r.panicVal = true, v
		}
	}()
	seq(func(v V, err error) bool {
		if stopped {
			r.violation("the iterator called yield again after yield returned false (the runtime panics on this in a range loop)")
			panic(continuedPanic{})
		}
		if r.errs > 0 {
			if err != nil {
				r.violation("the iterator yielded a second error after an error (%v after %v): an error must be the last pair", err, r.err)
			} else {
				r.violation("the iterator yielded a value after an error (%v): an error must be the last pair", r.err)
			}
		}
		if err != nil {
			r.errs++
			if r.err == nil {
				r.err = err
			}
			if !isZero(v) {
				r.violation("the error pair carries a non-zero value %v: it must be the zero value", v)
			}
		} else {
			r.values = append(r.values, v)
		}
		if !body(v, err) {
			stopped = true
			return false
		}
		return true
	})
	return r
}

func isZero[V any](v V) bool {
	rv := reflect.ValueOf(&v).Elem()
	return rv.IsZero()
}
