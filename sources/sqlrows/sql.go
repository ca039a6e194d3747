package sqlrows

import (
	"context"
	"database/sql"
	"iter"

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
// whichever way the loop ends. A nil db or scan, or an empty query, is the
// iterator's only error.
//
// When ctx is done the query is canceled by database/sql and its driver
// and the iterator yields an error matching ctx.Err(): a canceled query
// never reads as a complete result.
func SQL[T any](ctx context.Context, db SQLQuerier, query string, args []any, scan func(*sql.Rows) (T, error)) iter.Seq2[T, error] {
	if err := checkQuery(db == nil, scan == nil, query); err != nil {
		return sluice.Fail[T](err)
	}
	return sqlAll(ctx, db, query, args, scan)
}

// SQLStream is the channel form of [SQL]. The query runs in the producer
// goroutine with a context that stop cancels, so stop ends a query blocked
// in the server.
func SQLStream[T any](ctx context.Context, db SQLQuerier, query string, args []any, scan func(*sql.Rows) (T, error), sopts *sluice.StreamOptions) (<-chan T, func() error) {
	return stream(ctx, checkQuery(db == nil, scan == nil, query), func(ctx context.Context) iter.Seq2[T, error] {
		return sqlAll(ctx, db, query, args, scan)
	}, sopts)
}

// sqlAll is SQL, its input checked.
func sqlAll[T any](ctx context.Context, db SQLQuerier, query string, args []any, scan func(*sql.Rows) (T, error)) iter.Seq2[T, error] {
	run := func(ctx context.Context) (*sql.Rows, error) { return db.QueryContext(ctx, query, args...) }
	return queried(ctx, query, run, closeSQLRows, scan)
}

// SQLRows returns an iterator over rows, already open, each converted by
// scan. It returns a single-use iterator, and closes rows when ranged,
// whichever way the loop ends. An iterator never ranged leaves rows open:
// close them yourself. So does one given nil rows or a nil scan, whose
// only pair is that error.
//
// A *sql.Rows can be interrupted only through the context it was queried
// with: when ctx is another one, SQLRows sees it done between rows, and a
// read blocked in the server returns only when the server answers or the
// query's context is done. Pass the query's context, or use [SQL].
func SQLRows[T any](ctx context.Context, rows *sql.Rows, scan func(*sql.Rows) (T, error)) iter.Seq2[T, error] {
	if err := checkOpened(rows == nil, scan == nil); err != nil {
		return sluice.Fail[T](err)
	}
	return sqlRows(ctx, rows, scan)
}

// SQLRowsStream is the channel form of [SQLRows]. Like SQLRows, it cannot
// interrupt a read blocked in the server other than through the rows'
// own query context: stop waits for the read to return. Use [SQLStream]
// when stop must end a slow query.
func SQLRowsStream[T any](ctx context.Context, rows *sql.Rows, scan func(*sql.Rows) (T, error), sopts *sluice.StreamOptions) (<-chan T, func() error) {
	return stream(ctx, checkOpened(rows == nil, scan == nil), func(ctx context.Context) iter.Seq2[T, error] {
		return sqlRows(ctx, rows, scan) // StreamFunc calls this once: one range
	}, sopts)
}

// sqlRows is SQLRows, its input checked.
func sqlRows[T any](ctx context.Context, rows *sql.Rows, scan func(*sql.Rows) (T, error)) iter.Seq2[T, error] {
	return opened(func() { closeSQLRows(rows) }, func(yield func(T, error) bool) {
		readRows(ctx, "", rows, scan, yield)
	})
}

// closeSQLRows closes rows. Like pgx.Rows.Close, it reports no error of
// its own: readRows has yielded the rows' error, if any.
func closeSQLRows(rows *sql.Rows) { rows.Close() }
