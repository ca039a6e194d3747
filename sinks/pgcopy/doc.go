// Package pgcopy writes a stream into a PostgreSQL table with COPY, in
// batches, each in a transaction of its own together with the stream's
// cursor, so that a pipeline restarted from that cursor writes every value
// exactly once.
//
// It compiles github.com/jackc/pgx/v5 (with the modules pgx needs:
// github.com/jackc/pgpassfile, github.com/jackc/pgservicefile and
// golang.org/x/text) and nothing else outside the standard library; its
// checkpoint is package pgstore's.
//
//	sink := &pgcopy.Sink[Order]{
//		Table:      pgx.Identifier{"orders"},
//		Columns:    []string{"id", "customer", "total"},
//		Row:        func(o Order) ([]any, error) { return []any{o.ID, o.Customer, o.Total}, nil },
//		Checkpoint: pgstore.New(pool, "checkpoints"),
//		Name:       "orders",
//	}
//	after, err := sink.Load(ctx)               // "" the first time
//	…
//	res, err := sink.Write(ctx, pool, source.All(ctx, …, &source.Options{After: after}))
//
// A channel, the other form of a stream, is written through
// [sluice.FromStream]:
//
//	ch, stop := source.Stream(ctx, …, nil)
//	res, err := sink.Write(ctx, pool, sluice.FromStream(ch, stop))
//
// # Batches
//
// [Sink.Write] writes the stream in batches, each in one transaction: it
// reads the batch's first rows (the values of the stream, through
// [Sink.Row]), begins the transaction, and COPYs the batch into the table
// as it reads it (pgx's CopyFrom, in PostgreSQL's binary format), until
// the batch holds Sink.BatchRows rows (100000 by default) or about
// Sink.BatchBytes bytes (64 MiB by default), or the stream ends. Then,
// when Sink.Checkpoint is set, it saves the cursor of the batch's last
// value ([pgstore.Store.SaveTx]), and commits. So PostgreSQL
// writes the rows while the stream produces them, as with a raw
// CopyFrom: Write reads at most 64 rows ahead of the COPY, and holds of
// a batch only those rows and its values, for their cursors (none
// without a cursor function).
//
// The size of batches trades speed for what a failure costs. Each batch
// costs a transaction and a COPY statement beyond its rows, a fixed cost
// of some milliseconds that larger batches spread over more rows
// (BENCHMARKS.md measures it). Smaller batches lose less work to a
// failure, since a restart redoes the batch in progress, and keep a
// transaction open, with its locks, for less time (a long transaction
// also holds back vacuum in the whole database).
//
// A batch's transaction, and its COPY statement, last as long as the
// stream takes to produce the batch: a slow stream wants smaller batches,
// and statement_timeout, if set, must allow for it. Between batches no
// transaction is open: Write begins a batch only when the stream has
// given its first rows, so a stream that waits holds none, and one that
// ends at a batch's boundary begins no empty one.
//
// # Exactly once
//
// The rows of a batch and its cursor commit together or not at all. So at
// every instant, and after a crash of the process, the connection or the
// server at any instant, the table holds exactly the rows of the batches
// committed, and the checkpoint the cursor of the last of them (on a
// server with synchronous_commit off, a crash of the server may lose the
// last batches committed, each with its cursor). A pipeline
// that restarts by passing [Sink.Load]'s cursor as its source's After
// option writes the rows after it: each row of the stream is in the table
// once.
//
//   - On a cancellation: when ctx is done, Write rolls back the batch in
//     progress, or does not begin it, and returns an error matching
//     ctx.Err(). Batches committed before stay committed; the rows read
//     since were not written, and the error says which. The COPY of the
//     batch in progress is a statement whose context is done, which pgx
//     by default interrupts by closing the connection (a pool replaces
//     it); with pgconn.CancelRequestContextWatcherHandler the connection
//     stays usable.
//   - On a crash: a batch whose commit did not complete is rolled back by
//     PostgreSQL. If the commit's outcome is unknown to the writer (the
//     connection was lost during COMMIT), Write reports it as possibly
//     committed and does not count it in its Result; Load then tells
//     which it was, and a restart from Load is still exactly-once,
//     because the checkpoint committed with the rows or not at all.
//   - On a rejected row: a row the table refuses (a unique, not-null or
//     check violation, a value PostgreSQL or pgx cannot convert to the
//     column's type) fails its whole batch, which is rolled back; Write
//     stops with a [*BatchError] naming the batch and, where PostgreSQL or
//     pgx tells, the row. The checkpoint stays at the batch before, so a
//     restart retries the rejected batch: fix the row or the table first.
//   - With concurrent writers: COPY takes only the locks an INSERT takes,
//     so other sessions may write into the table meanwhile, and their rows
//     are theirs; exactly-once is about this pipeline's rows. Two Writes
//     must not share a checkpoint name at the same time, nor a restarted
//     pipeline run beside the one it replaces: both would write the rows
//     after the cursor they loaded, and each would move the checkpoint
//     over the other's. A killed process's transaction ends when
//     PostgreSQL sees its connection close: normally at once, over a
//     broken network when TCP keepalives notice.
//
// When [DB] is a pgx.Tx, each batch is a savepoint of it: the rows and
// checkpoints become durable only when the caller commits.
//
// # Errors
//
// Errors begin with "pgcopy: ". A Sink, a DB or a stream that Write cannot
// use is reported before anything is read or written. After that, every
// error says how far Write got (the rows committed and the rows read but
// not written, or the rows of the batch that failed), and Write returns
// the same as a [Result]. A batch that failed in the database is a
// [*BatchError], whose Err is pgx's error, so that errors.As(err, &pgErr)
// finds a *pgconn.PgError. The other errors wrap their cause: the
// stream's error, Row's error, or ctx's (so that errors.Is(err,
// context.Canceled) holds, and errors.Is(err, cause) for a context
// canceled with a cause).
//
// A panic of the stream or of Row, which run in a goroutine of their own
// (see [Sink.Write]), rolls back the batch and is raised again by Write,
// in its caller's goroutine, with the same value.
package pgcopy
