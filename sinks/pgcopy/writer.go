package pgcopy

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/sinkrun"
)

// rollbackTimeout bounds the rollback of a failed batch, which runs even
// when ctx is done: rolling back with a done ctx would fail at once and
// make pgx close the connection, a *pgx.Conn the caller may want to go on
// using.
const rollbackTimeout = 10 * time.Second

// writer is the state of one Write.
type writer[V any] struct {
	s       *Sink[V]
	shared  *sinkrun.Sink[V]
	db      DB
	table   string // s.Table as SQL, for messages
	relname string // the table's own name, as PostgreSQL's errors give it
	cursor  func(V) (string, bool)
	batch   batch[V]
	res     Result
}

// writeBatch writes the next batch of the stream in a transaction of its
// own, with the cursor of its last value, and reports whether the stream
// goes on after it.
//
// It reads the batch's first chunk of rows before it begins the
// transaction, so that a stream that ends at a batch's boundary commits
// no empty batch, and one that waits between batches holds no transaction
// open. The others it reads as the COPY asks for them (see batch).
func (w *writer[V]) writeBatch(ctx context.Context) (more bool, err error) {
	b := &w.batch
	defer b.reset()
	if !b.fill() {
		if b.err != nil {
			return false, w.stopped(b.err)
		}
		return false, nil
	}

	tx, err := w.db.Begin(ctx)
	if err != nil {
		return false, w.failed(ctx, stepBegin, err)
	}
	ended := false
	defer func() {
		if !ended {
			rollback(ctx, tx)
		}
	}()
	_, err = tx.CopyFrom(ctx, w.s.Table, w.s.Columns, b)
	// Raised again here, in the caller's goroutine, where it can be
	// recovered; the deferred rollback ends the batch first.
	b.panic.Raise()
	switch {
	case b.err != nil:
		// Next ended the COPY with an error, which pgx sent as CopyFail.
		// If PostgreSQL had meanwhile rejected a row (pgx goes on asking
		// for rows for a 64 KiB buffer or two before it notices), that
		// goes unreported: the batch could not have committed either way.
		return false, w.stopped(b.err)
	case err != nil:
		return false, w.failed(ctx, stepCopy, err)
	}
	var cursor string
	if w.cursor != nil {
		c, err := sinkrun.CursorOf(names, w.cursor, b.read, b.last())
		if err != nil {
			return false, w.stopped(err)
		}
		cursor = c
	}
	if w.s.Checkpoint != nil {
		if err := w.s.Checkpoint.SaveTx(ctx, tx, w.s.Name, cursor); err != nil {
			return false, w.failed(ctx, stepCheckpoint, err)
		}
	}
	// A Commit with a done ctx would fail without being sent, and pgx
	// would close the connection; a rollback is cleaner.
	if err := w.ctxError(ctx); err != nil {
		return false, err
	}
	err = tx.Commit(ctx)
	ended = true // by a failed Commit too
	if err != nil {
		return false, w.failed(ctx, stepCommit, err)
	}
	w.res.Rows += int64(b.rows)
	w.res.Batches++
	w.res.Cursor = cursor
	return !b.ended, nil
}

// rollback rolls tx back, with ctx's values but not its cancellation. Its
// error is dropped: pgx closes a connection whose rollback fails, and
// PostgreSQL rolls back the transaction of a closed connection.
func rollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	tx.Rollback(ctx)
}

// failed returns the error for the batch's failure at step: a
// *BatchError, or the cancellation when ctx is done, since a driver's
// error after a cancellation ("canceling statement due to user request",
// "conn closed") is the cancellation's doing.
func (w *writer[V]) failed(ctx context.Context, step string, err error) error {
	first := w.res.Rows + 1
	if cerr := sluice.ContextError(ctx); cerr != nil {
		if step == stepCommit {
			cerr = fmt.Errorf("%w during the commit of batch %d (%s), which may have committed: Load tells",
				cerr, w.res.Batches+1, names.Span(first, w.batch.read))
		}
		return w.stopped(names.Stopped(w.batch.read, cerr))
	}
	e := &BatchError{
		Batch: w.res.Batches + 1,
		Err:   err,
		table: w.table,
		first: first,
		last:  w.batch.read,
		step:  step,
	}
	if step == stepCopy {
		// pgx stops at the row it could not encode: the last it was given.
		if i := rejected(err, w.relname, w.batch.given-1); i >= 0 && i < w.batch.given {
			e.Row = first + int64(i)
			if w.cursor != nil {
				e.Cursor, _ = w.cursor(w.batch.vals[i])
			}
		}
	}
	return e
}

// ctxError returns nil while ctx is not done, and then the error Write
// returns for the cancellation.
func (w *writer[V]) ctxError(ctx context.Context) error {
	if err := sluice.ContextError(ctx); err != nil {
		return w.stopped(names.Stopped(w.batch.read, err))
	}
	return nil
}

// stopped returns the error of a Write stopped by cause, saying how far it
// got.
func (w *writer[V]) stopped(cause error) error {
	var committed string
	switch w.res.Batches {
	case 0:
		committed = "nothing committed"
	case 1:
		committed = fmt.Sprintf("%d rows committed in 1 batch", w.res.Rows)
	default:
		committed = fmt.Sprintf("%d rows committed in %d batches", w.res.Rows, w.res.Batches)
	}
	var lost string
	if span := names.Span(w.res.Rows+1, w.batch.read); span != "" {
		lost = "; " + span + " not written"
	}
	return fmt.Errorf("pgcopy: copy into %s: %w (%s%s)", w.table, cause, committed, lost)
}
