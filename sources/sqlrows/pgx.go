package sqlrows

import (
	"context"
	"iter"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice"
)

// Querier is what the pgx query forms need of a database: *pgx.Conn,
// *pgxpool.Pool and pgx.Tx all have this method.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// All returns an iterator over the rows of query run with args on db, each
// converted by scan: pgx.RowToStructByName[T], pgx.RowTo[T] or any
// [pgx.RowToFunc]. Each range runs the query afresh, with ctx, and closes
// its rows on return, whichever way the loop ends.
//
// When ctx is done the query is canceled as pgx cancels it (the
// connection is closed; a pool replaces it) and the iterator yields an
// error matching ctx.Err(): a canceled query never reads as a complete
// result.
func All[T any](ctx context.Context, db Querier, query string, args []any, scan pgx.RowToFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if err := checkQuery(db == nil, scan == nil, query); err != nil {
			yield(zero, err)
			return
		}
		rows, err := db.Query(ctx, query, args...)
		if err != nil {
			yield(zero, queryError(ctx, query, err))
			return
		}
		defer rows.Close()
		readRows(ctx, query, rows, pgxScan(scan), yield)
	}
}

// Stream is the channel form of [All]. The query runs in the producer
// goroutine with a context that stop cancels, so stop ends a query blocked
// in the server.
func Stream[T any](ctx context.Context, db Querier, query string, args []any, scan pgx.RowToFunc[T], opts *sluice.StreamOptions) (<-chan T, func() error) {
	return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[T, error] {
		return All(ctx, db, query, args, scan)
	}, opts)
}

// Rows returns an iterator over rows, already open, each converted by
// scan. It returns a single-use iterator, and closes rows when ranged,
// whichever way the loop ends. An iterator never ranged leaves rows open:
// close them yourself.
//
// When ctx is done while a row is awaited from the server, the read is
// interrupted as pgx interrupts a canceled query (the rows' connection is
// closed; a pool replaces it), even when ctx is not the context rows were
// queried with, and the iterator yields an error matching ctx.Err().
func Rows[T any](ctx context.Context, rows pgx.Rows, scan pgx.RowToFunc[T]) iter.Seq2[T, error] {
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
		release := interrupt(ctx, rows)
		defer release() // after rows.Close: deferred calls run last-first
		readRows(ctx, "", rows, pgxScan(scan), yield)
	}
}

// RowsStream is the channel form of [Rows]: stop interrupts a read blocked
// in the server as a canceled ctx does in Rows.
func RowsStream[T any](ctx context.Context, rows pgx.Rows, scan pgx.RowToFunc[T], opts *sluice.StreamOptions) (<-chan T, func() error) {
	return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[T, error] {
		return Rows(ctx, rows, scan) // StreamFunc calls this once: one range
	}, opts)
}

// interrupt makes a read of rows blocked in the server return when ctx is
// done, the way pgx's default context handling does for the context of a
// query: by setting a deadline in the past on the connection, which the
// failed read then closes. The returned function, called once rows are
// closed, undoes it; it clears the deadline in case ctx was done after the
// last row was read, when the connection is still good.
func interrupt(ctx context.Context, rows pgx.Rows) (release func()) {
	conn := rows.Conn()
	if conn == nil || ctx.Done() == nil || conn.PgConn() == nil {
		return func() {}
	}
	nc := conn.PgConn().Conn()
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		nc.SetDeadline(time.Now())
	})
	return func() {
		if !stop() {
			<-fired
			nc.SetDeadline(time.Time{})
		}
	}
}

// pgxScan adapts a RowToFunc to readRows.
func pgxScan[T any](scan pgx.RowToFunc[T]) func(pgx.Rows) (T, error) {
	return func(rows pgx.Rows) (T, error) { return scan(rows) }
}
