package pgcopy

import (
	"context"
	"iter"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/checkpoint/pgstore"
)

const (
	defaultBatchRows  = 100_000
	defaultBatchBytes = 64 << 20
)

// DB is what [Sink.Write] needs of a database: *pgx.Conn, *pgxpool.Pool
// and pgx.Tx satisfy it.
//
// Over a pgx.Tx each batch is a savepoint of that transaction, released
// when the batch ends: its rows and its checkpoint become durable only
// when the caller commits the transaction, and are all lost if the caller
// rolls it back.
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// A Sink writes the values of a stream into a PostgreSQL table with COPY,
// in batches, each in a transaction of its own together with the cursor of
// its last value when Checkpoint is set. See the package documentation for
// what it guarantees.
//
// Write does not modify the Sink. Several Writes of one Sink may run at
// once only without a Checkpoint: with one they would share its Name,
// which exactly-once forbids (see the package documentation).
type Sink[V any] struct {
	// Table is the table to write into, qualified by a schema or not:
	// pgx.Identifier{"orders"}, pgx.Identifier{"sales", "orders"}. Each
	// part is quoted, so it is taken exactly as written, case included.
	Table pgx.Identifier

	// Columns are the columns of Table that Row gives values for, in the
	// order it gives them. Columns left out take their defaults.
	Columns []string

	// Row returns the values of v, one per column of Columns and in their
	// order, as pgx encodes query arguments (int64, string, time.Time,
	// []byte, nil for NULL, a pgtype value, …); a string is also parsed
	// as the column's type, as pgx does for CopyFrom. Required.
	//
	// Row is called for each value as it is read, before the next value
	// is read, in the order of the stream, never two calls at once, and
	// not in the calling goroutine of Write (see [Sink.Write]). Write
	// reads up to 64 values ahead of pgx's encoding, so the slice and its
	// values are kept after the values that follow v are read: Row must
	// return a new slice each time, and no memory the source reuses, such
	// as the Bytes of a scanner.Token (return string(tok.Bytes) instead).
	Row func(V) ([]any, error)

	// Cursor returns the cursor of v: where its source stands after it,
	// the string its After option resumes after. Nil means v's own
	// Cursor() string method, if V has one. It is called only for the
	// last value of each batch and for a value the table rejects, after
	// the values that follow v in its batch.
	Cursor func(V) string

	// BatchRows is the most rows a batch holds. Zero means 100000.
	//
	// A batch's rows are streamed into its COPY, not held in memory (its
	// values V are kept, for their cursors), so its size trades speed
	// for what a failure costs: larger batches spread the cost of a
	// transaction and a COPY over more rows, and are faster; smaller ones
	// lose less work to a crash, which redoes the batch in progress, and
	// hold a transaction open, with its locks, for less time. See the
	// package documentation.
	BatchRows int

	// BatchBytes is the approximate most bytes a batch holds, counting the
	// length of each string or []byte value and 8 bytes for any other. A
	// batch ends at the first row that reaches it, so a single larger row
	// makes a batch of its own. Zero means 64 MiB. Like BatchRows, it
	// bounds the work of a transaction, for rows too large for BatchRows
	// alone to do so.
	BatchBytes int

	// Checkpoint, if set, records the cursor of each batch's last value
	// under Name, in the transaction of the batch (with
	// [pgstore.Store.SaveTx]). Its table must be in the
	// database that Write writes into.
	Checkpoint *pgstore.Store

	// Name is the name the cursor is saved under. Required with
	// Checkpoint.
	Name string
}

// Result says how far a [Sink.Write] got: what it committed.
type Result struct {
	// Rows is the number of rows of the batches committed.
	Rows int64

	// Batches is the number of batches committed.
	Batches int

	// Cursor is the cursor of the last row committed: the one Checkpoint
	// holds, if set. It is "" when nothing was committed or Sink has no
	// cursor function.
	Cursor string
}

// Load returns the cursor saved under s.Name by the last batch committed,
// or "" when none has been: the point a restarted pipeline resumes after,
// passed as its source's After option. It needs s.Checkpoint.
func (s *Sink[V]) Load(ctx context.Context) (string, error) {
	return s.shared().Load(ctx)
}

// Write copies the values of seq into s.Table through db, a batch at a
// time, and returns how far it got. Each batch is one transaction: COPY of
// its rows, then, with s.Checkpoint, the cursor of its last row, then
// COMMIT. The COPY writes the rows as Write reads them from seq, so a
// batch's transaction is open while seq produces the batch; Write begins
// it only when seq has produced the batch's first rows, so none is open
// while seq waits between batches.
//
// It returns a nil error when seq has ended and every row is committed.
// It stops at the first error of seq, of s.Row or of the database, or when
// ctx is done: it rolls back the batch in progress, stops seq, and
// returns the Result of the batches committed before, with an error saying
// why it stopped and which rows it read but did not write. A batch that
// fails in the database is reported as a [*BatchError]. When ctx is done
// the error matches ctx.Err() with errors.Is.
//
// Write checks s and its arguments before reading seq, and reports what
// it cannot use as an error. With s.Checkpoint it loads the checkpoint
// first, which creates the checkpoint's table, so that no batch's
// transaction has to.
//
// Write reads seq, and calls s.Row, through a coroutine ([iter.Pull]):
// in their own goroutine, which runs while the calling goroutine or pgx's
// waits for it, never beside them; it stops seq before it returns. A
// panic of seq or of s.Row rolls back the batch, and Write panics with
// the same value in the calling goroutine. seq's source must not use db's
// connection, which the batches need.
func (s *Sink[V]) Write(ctx context.Context, db DB, seq iter.Seq2[V, error]) (Result, error) {
	w, err := s.newWriter(db, seq)
	if err != nil {
		return Result{}, err
	}
	if err := w.shared.Open(ctx); err != nil {
		return Result{}, w.stopped(err)
	}

	pull, stop := iter.Pull(w.batch.chunks(seq))
	defer stop()
	w.batch.ctx, w.batch.pull = ctx, pull
	for {
		more, err := w.writeBatch(ctx)
		if err != nil || !more {
			return w.res, err
		}
	}
}
