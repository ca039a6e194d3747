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
//	NewKeysetSharder(db, table, scan, opts)                 a table in shards (see Shards)
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
// # Shards
//
// A [KeysetSharder] cuts a keyset scan into shards (package shard), for
// many processes to read one table: its Split returns up to n contiguous
// ranges of the key, [Start, End), each opened as a [KeysetReader] that
// reads its range in pages as Keyset reads the table and resumes after a
// row's cursor. Start and End are key tuples, encoded as cursors are; the
// queries compare them with the key in the server,
//
//	SELECT … WHERE (k1, k2) >= ($1, $2) AND (k1, k2) < ($3, $4) ORDER BY k1, k2 LIMIT n
//
// in the key's own order (its types, its collations), never in Go's.
//
// What is exact: the cover. The shards of a Split hold every row of the
// scan once, with no gap and no overlap, whatever the cut points are,
// since they are the Ends of one shard and the Starts of the next; and a
// reader's Split hands the rows it has not yielded to a new shard [p, End)
// and stops before p, exactly, even while All runs, so that every row is
// read by one of the two. (What a scan sees of concurrent writes is as
// for Keyset: every row present for the whole run, with an unchanged key,
// is read exactly once.)
//
// What is estimated: the sizes. Split cuts at the bounds of the key
// column's histogram in pg_stats when the key is one column of an
// analyzed table (so it reads nothing of the table), and otherwise at the
// quantiles of a sample of the keys (TABLESAMPLE SYSTEM of at least 256
// blocks for a table, which reads only those; a filter on random() over a
// full scan of a view or a subquery), found by the server. Both count
// rows, not key space, so a skewed key is cut where its rows are; both
// leave out Table.Where; statistics may be older than the rows. A reader's
// Split counts its rest up to 10,000 rows and beyond takes the planner's
// estimate. Split of a table of 10^6 rows takes milliseconds with
// statistics, about 0.1 s without.
//
// A reader split while All runs queries the database from the goroutine
// calling Split, while a page of All may be open: the Querier must then
// be a pool. A Cursor before the shard's Start is refused by the first
// page, before any row (a cursor is compared with Start by the server
// only); one at or after its End reads as a shard with nothing left.
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
