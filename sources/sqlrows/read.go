package sqlrows

import (
	"cmp"
	"context"
	"iter"

	"github.com/sluice-go/sluice"
)

// checkQuery returns the error for a query form given no database, no
// scan function or no query, or nil.
func checkQuery(noDB, noScan bool, query string) error {
	switch {
	case noDB:
		return errNilDB
	case noScan:
		return errNilScan
	case query == "":
		return errNoQuery
	}
	return nil
}

// stream returns the channel form of a form: a failed stream of err, the
// error of its input checked once at the call, or the stream of the
// iterators seq builds, which do not check it again.
func stream[V any](ctx context.Context, err error, seq func(context.Context) iter.Seq2[V, error], sopts *sluice.StreamOptions) (<-chan V, func() error) {
	if err != nil {
		return sluice.FailedStream[V](err)
	}
	return sluice.StreamFunc(ctx, seq, sopts)
}

// resultRows is what readRows needs of pgx.Rows and *sql.Rows.
type resultRows interface {
	Next() bool
	Err() error
}

// queried returns the iterator of a query form, its input already
// checked: each range runs query with run, yields its rows converted by
// scan, and closes them with closeRows on return.
func queried[R resultRows, T any](ctx context.Context, query string, run func(context.Context) (R, error), closeRows func(R), scan func(R) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		rows, err := run(ctx)
		if err != nil {
			var zero T
			yield(zero, queryError(ctx, query, err))
			return
		}
		defer closeRows(rows)
		readRows(ctx, query, rows, scan, yield)
	}
}

// checkOpened returns the error for a form over rows already open given
// no rows or no scan function, or nil.
func checkOpened(noRows, noScan bool) error {
	switch {
	case noRows:
		return errNilRows
	case noScan:
		return errNilScan
	}
	return nil
}

// opened returns the iterator of a form over rows already open, its input
// checked: a single-use iterator that reads the rows with read and closes
// them with closeRows on return, whichever way the loop ends.
func opened[T any](closeRows func(), read func(yield func(T, error) bool)) iter.Seq2[T, error] {
	return sluice.SingleUse(func(yield func(T, error) bool) {
		defer closeRows()
		read(yield)
	})
}

// readRows yields each row of rows converted by scan, then the error that
// ended them, if any. The caller closes rows.
//
// It looks at ctx before each row, not only when the driver notices it: a
// driver reads rows ahead in its buffer, and a canceled stream must not
// run on through them as if nothing happened.
func readRows[R resultRows, T any](ctx context.Context, query string, rows R, scan func(R) (T, error), yield func(T, error) bool) {
	var zero T
	for rows.Next() {
		if err := sluice.ContextError(ctx); err != nil {
			yield(zero, queryError(ctx, query, err))
			return
		}
		v, err := scan(rows)
		if err != nil {
			yield(zero, queryError(ctx, query, err))
			return
		}
		if !yield(v, nil) {
			return
		}
	}
	if err := rowsEnd(ctx, rows); err != nil {
		yield(zero, queryError(ctx, query, err))
	}
}

// rowsEnd returns the error that ended rows, or, when they ended without
// one while ctx is done, the cancellation: rows cut short by their
// context's end may report no error of their own, and a canceled stream
// never reads as complete.
func rowsEnd(ctx context.Context, rows resultRows) error {
	return cmp.Or(rows.Err(), sluice.ContextError(ctx))
}
