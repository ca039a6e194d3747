// Package sqlrows streams the rows of PostgreSQL queries, through pgx or
// database/sql, as iterators and channels: each row converted to the
// caller's type by the same functions pgx.CollectRows takes
// (pgx.RowToStructByName and friends), the rows closed on every way out of
// the loop, and a canceled query never mistaken for a complete result.
//
// It compiles github.com/jackc/pgx/v5 and the modules pgx needs
// (github.com/jackc/pgpassfile, github.com/jackc/pgservicefile and
// golang.org/x/text), and nothing else outside the standard library. The
// database/sql forms (SQL, SQLRows) share the package, so a program that
// uses only them compiles pgx all the same.
//
// The forms, each as the pair of package sluice:
//
//	All(ctx, db, query, args, scan) / Stream(…)            a query, through pgx
//	Rows(ctx, rows, scan) / RowsStream(…)                  pgx.Rows already open
//	SQL(ctx, db, query, args, scan) / SQLStream(…)         a query, through database/sql
//	SQLRows(ctx, rows, scan) / SQLRowsStream(…)            *sql.Rows already open
//	Keyset(ctx, db, table, scan, opts) / KeysetStream(…)   a table in pages, resumable
//
// Each channel form takes the arguments of its iterator and then a
// *sluice.StreamOptions, its last parameter. The pgx forms take a
// [Querier] (*pgx.Conn, *pgxpool.Pool, pgx.Tx), the database/sql ones a
// [SQLQuerier] (*sql.DB, *sql.Conn, *sql.Tx). The query forms run their
// query each time they are ranged; the forms over rows already open are
// single-use iterators. Invalid input (a nil database, rows or scan
// function, an empty query, a Table without From or Key, a negative
// PageSize, a malformed cursor) is found when the function is called,
// before any I/O: the iterator yields it as its only pair, the channel
// form's stop returns it.
//
// # Cancellation
//
// When the context is done, the iterator stops and yields an error
// matching ctx.Err(). A query blocked in the server is interrupted as pgx
// interrupts a query whose context is canceled: its connection is closed,
// and a pool replaces it. The channel forms run the query in their
// producer goroutine with a context that stop cancels, so stop ends a slow
// query too. Rows interrupts a read of rows already open even when they
// were queried with another context. A *sql.Rows cannot be: SQLRows sees
// its ctx between rows, and only the rows' own query context interrupts a
// blocked read (see [SQLRows]).
//
// # Errors
//
// The error of a query, or of reading or scanning its rows, is a
// [*QueryError] naming the query; the driver's error stays reachable, so
// errors.As finds a *pgconn.PgError and its SQLSTATE. It is always the
// last pair a range yields: rows read before a failure come first.
//
// # Keyset pages
//
// A long scan as one query holds one snapshot, one transaction and one
// connection for as long as it runs: it keeps VACUUM from cleaning up
// behind it, and a dropped connection loses all of it. [Keyset] reads a
// [Table] in pages instead, each its own short query ordered by the
// table's key and starting after the last key read,
//
//	SELECT … WHERE (k1, k2) > ($1, $2) ORDER BY k1, k2 LIMIT n
//
// which an index on the key answers in the time of the page, however deep
// into the table it starts. Between pages it holds nothing.
//
// Each row comes as a [Row], its value and the cursor of its key. The
// cursor is an opaque string, versioned, that a scan with
// [KeysetOptions].After set to it resumes strictly after: nothing lost,
// nothing repeated, for any key whose columns print and parse back
// exactly (integers, text, numeric, timestamps, uuid, bytea, floats with
// PostgreSQL 12's shortest-exact output all do). A cursor the scan cannot
// resume after (malformed, of another version, with another number of key
// values, or with a value its column does not take) is the scan's only
// error, wrapping [ErrBadCursor] (`sqlrows: bad cursor "<cursor>": <why>`),
// never a scan from the start.
//
// What a keyset scan sees of concurrent writes is documented at [Keyset]:
// each page has its own snapshot, so every row present for the whole
// scan with an unchanged key is read exactly once, and other rows are
// read or not depending on where the scan was when they changed.
//
// # Resuming after a failure
//
// A keyset scan that fails (a terminated backend, a failover, a network
// error) yields the error after the rows it read; resumed after the
// cursor of the last row the caller handled, it reads exactly the rest.
// Record that cursor durably with package checkpoint, in the same
// transaction as the rows' effects when they go to PostgreSQL (package
// sinks/pgcopy does), for exactly-once.
//
// # Testing
//
// Each form passes the conformance suite (package conformance) against a
// real PostgreSQL: see conformance_test.go for how a query is made to
// fail (a division by zero at row n) or stall (pg_sleep after row n).
package sqlrows
