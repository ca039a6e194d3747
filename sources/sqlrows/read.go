package sqlrows

import "context"

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

// resultRows is what readRows needs of pgx.Rows and *sql.Rows.
type resultRows interface {
	Next() bool
	Err() error
}

// readRows yields each row of rows converted by scan, then the error that
// ended them, if any. The caller closes rows.
//
// It looks at ctx before each row, not only when the driver notices it: a
// driver reads rows ahead in its buffer, and a canceled stream must not
// run on through them as if nothing happened.
func readRows[R resultRows, T any](ctx context.Context, query string, rows R, scan func(R) (T, error), yield func(T, error) bool) {
	var zero T
	done := ctx.Done()
	for rows.Next() {
		select {
		case <-done:
			yield(zero, queryError(ctx, query, ctx.Err()))
			return
		default:
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
	if err := rows.Err(); err != nil || ctx.Err() != nil {
		yield(zero, queryError(ctx, query, err))
	}
}
