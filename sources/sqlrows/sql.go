package sqlrows

import (
	"context"
	"database/sql"
	"iter"
	"sync/atomic"

	"github.com/sluice-go/sluice"
)

// SQLQuerier is what the database/sql query forms need of a database:
// *sql.DB, *sql.Conn and *sql.Tx all have this method.
type SQLQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// SQL returns an iterator over the rows of query run with args on db, each
// converted by scan, which calls rows.Scan for the current row. Each range
// runs the query afresh, with ctx, and closes its rows on return,
// whichever way the loop ends.
//
// When ctx is done the query is canceled by database/sql and its driver
// and the iterator yields an error matching ctx.Err(): a canceled query
// never reads as a complete result.
func SQL[T any](ctx context.Context, db SQLQuerier, query string, args []any, scan func(*sql.Rows) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := checkQuery(db == nil, scan == nil, query); err != nil {
			yield(zero, err)
			return
		}
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			yield(zero, queryError(ctx, query, err))
			return
		}
		defer rows.Close()
		readRows(ctx, query, rows, scan, yield)
	}
}

// SQLStream is the channel form of [SQL]. The query runs in the producer
// goroutine with a context that stop cancels, so stop ends a query blocked
// in the server.
func SQLStream[T any](ctx context.Context, db SQLQuerier, query string, args []any, scan func(*sql.Rows) (T, error), opts *sluice.StreamOptions) (<-chan T, func() error) {
	return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[T, error] {
		return SQL(ctx, db, query, args, scan)
	}, opts)
}

// SQLRows returns an iterator over rows, already open, each converted by
// scan. It returns a single-use iterator, and closes rows when ranged,
// whichever way the loop ends. An iterator never ranged leaves rows open:
// close them yourself.
//
// A *sql.Rows can be interrupted only through the context it was queried
// with: when ctx is another one, SQLRows sees it done between rows, and a
// read blocked in the server returns only when the server answers or the
// query's context is done. Pass the query's context, or use [SQL].
func SQLRows[T any](ctx context.Context, rows *sql.Rows, scan func(*sql.Rows) (T, error)) iter.Seq2[T, error] {
	var used atomic.Bool
	return func(yield func(T, error) bool) {
		var zero T
		if used.Swap(true) {
			yield(zero, sluice.ErrReused)
			return
		}
		if rows == nil {
			yield(zero, errNilRows)
			return
		}
		defer rows.Close()
		if scan == nil {
			yield(zero, errNilScan)
			return
		}
		readRows(ctx, "", rows, scan, yield)
	}
}

// SQLRowsStream is the channel form of [SQLRows]. Like SQLRows, it cannot
// interrupt a read blocked in the server other than through the rows'
// own query context: stop waits for the read to return. Use [SQLStream]
// when stop must end a slow query.
func SQLRowsStream[T any](ctx context.Context, rows *sql.Rows, scan func(*sql.Rows) (T, error), opts *sluice.StreamOptions) (<-chan T, func() error) {
	return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[T, error] {
		return SQLRows(ctx, rows, scan)
	}, opts)
}
