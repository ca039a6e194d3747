package sqlrows

import (
	"context"
	"iter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cancel"
)

// Querier is what the pgx query forms need of a database: *pgx.Conn,
// *pgxpool.Pool and pgx.Tx all have this method.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// All returns an iterator over the rows of query run with args on db, each
// converted by scan: pgx.RowToStructByName[T], pgx.RowTo[T] or any
// [pgx.RowToFunc]. Each range runs the query afresh, with ctx, and closes
// its rows on return, whichever way the loop ends. A nil db or scan, or an
// empty query, is the iterator's only error.
//
// When ctx is done the query is canceled as pgx cancels it (the
// connection is closed; a pool replaces it) and the iterator yields an
// error matching ctx.Err(): a canceled query never reads as a complete
// result.
func All[T any](ctx context.Context, db Querier, query string, args []any, scan pgx.RowToFunc[T]) iter.Seq2[T, error] {
	if err := checkQuery(db == nil, scan == nil, query); err != nil {
		return sluice.Fail[T](err)
	}
	return all(ctx, db, query, args, scan)
}

// Stream is the channel form of [All]. The query runs in the producer
// goroutine with a context that stop cancels, so stop ends a query blocked
// in the server.
func Stream[T any](ctx context.Context, db Querier, query string, args []any, scan pgx.RowToFunc[T], sopts *sluice.StreamOptions) (<-chan T, func() error) {
	return stream(ctx, checkQuery(db == nil, scan == nil, query), func(ctx context.Context) iter.Seq2[T, error] {
		return all(ctx, db, query, args, scan)
	}, sopts)
}

// all is All, its input checked.
func all[T any](ctx context.Context, db Querier, query string, args []any, scan pgx.RowToFunc[T]) iter.Seq2[T, error] {
	run := func(ctx context.Context) (pgx.Rows, error) { return db.Query(ctx, query, args...) }
	return queried(ctx, query, run, pgx.Rows.Close, pgxScan(scan))
}

// Rows returns an iterator over rows, already open, each converted by
// scan. It returns a single-use iterator, and closes rows when ranged,
// whichever way the loop ends. An iterator never ranged leaves rows open:
// close them yourself. So does one given nil rows or a nil scan, whose
// only pair is that error.
//
// When ctx is done while a row is awaited from the server, the read is
// interrupted as pgx interrupts a canceled query (the rows' connection is
// closed; a pool replaces it), even when ctx is not the context rows were
// queried with, and the iterator yields an error matching ctx.Err().
func Rows[T any](ctx context.Context, rows pgx.Rows, scan pgx.RowToFunc[T]) iter.Seq2[T, error] {
	if err := checkOpened(rows == nil, scan == nil); err != nil {
		return sluice.Fail[T](err)
	}
	return pgxRows(ctx, rows, scan)
}

// RowsStream is the channel form of [Rows]: stop interrupts a read blocked
// in the server as a canceled ctx does in Rows.
func RowsStream[T any](ctx context.Context, rows pgx.Rows, scan pgx.RowToFunc[T], sopts *sluice.StreamOptions) (<-chan T, func() error) {
	return stream(ctx, checkOpened(rows == nil, scan == nil), func(ctx context.Context) iter.Seq2[T, error] {
		return pgxRows(ctx, rows, scan) // StreamFunc calls this once: one range
	}, sopts)
}

// pgxRows is Rows, its input checked.
func pgxRows[T any](ctx context.Context, rows pgx.Rows, scan pgx.RowToFunc[T]) iter.Seq2[T, error] {
	return opened(rows.Close, func(yield func(T, error) bool) {
		release := interrupt(ctx, rows)
		// Runs before opened's deferred rows.Close: closing rows may give
		// their connection back to a pool, where an interruption still
		// armed would reach its next user.
		defer release()
		readRows(ctx, "", rows, pgxScan(scan), yield)
	})
}

// interrupt makes a read of rows blocked in the server return when ctx is
// done, the way pgx's default context handling does for the context of a
// query: by setting a deadline in the past on the connection, after which
// the failed read closes the connection. The returned function undoes it:
// it must be called once the reads are over and before rows are closed
// (and their connection, perhaps, given back to a pool); it clears the
// deadline in case ctx was done after the last row was read, when the
// connection is still good.
func interrupt(ctx context.Context, rows pgx.Rows) (release func()) {
	conn := rows.Conn()
	if conn == nil || conn.PgConn() == nil {
		return func() {}
	}
	nc := conn.PgConn().Conn()
	return cancel.Interrupt(ctx, func() (undo func()) {
		nc.SetDeadline(time.Now())
		return func() { nc.SetDeadline(time.Time{}) }
	})
}

// pgxScan adapts a RowToFunc to readRows.
func pgxScan[T any](scan pgx.RowToFunc[T]) func(pgx.Rows) (T, error) {
	return func(rows pgx.Rows) (T, error) { return scan(rows) }
}
