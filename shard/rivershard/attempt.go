package rivershard

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/sluice-go/sluice/shard"
)

// An attempt is one run of Work on a shard's job.
//
// Three kinds of transaction commit what it does: a batch of the sink
// with the shard's cursor (pgcopy's, through batchTx, or a Checkpointed
// sink's saves, through fencedStore); a split, which narrows the shard's
// End and inserts the residual's job; and the completion of the job,
// which a PGCopy sink makes in the transaction of the shard's last batch.
// Each first locks the job's row in river_job and checks that River still
// counts this attempt as the job's running one (fence): a job rescued
// from a worker River believed dead, and perhaps already given to another
// attempt, commits nothing more from this one.
type attempt struct {
	w      *Worker
	client *river.Client[pgx.Tx]
	job    *river.Job[Args]
	name   string // of the shard's cursor, in the cursors table

	finished atomic.Bool  // the reader ended: the shard is read to its End
	yielded  atomic.Int64 // values the reader has yielded in this attempt
	stop     atomic.Bool  // end the stream after the value it yields now

	// mu is held by a split from its Split to its commit, and by the
	// commit that completes the job: so the job completes only after a
	// split that narrowed the reader has committed its residual, and
	// never after one that failed to.
	mu        sync.Mutex
	failed    error // a split that may have narrowed the reader without committing
	completed bool  // the job's completion has committed
}

// errStale is the error of a commit refused because the attempt is no
// longer its job's running attempt.
var errStale = errors.New("rivershard: this attempt is no longer its job's running attempt (River rescued the job)")

// pipeline is a registered run.
type pipeline[V any] struct {
	src  shard.Source[V]
	sink Sink[V]
}

func (p *pipeline[V]) work(ctx context.Context, a *attempt) error {
	sh, done, err := a.load(ctx)
	if err != nil {
		return err
	}
	if done {
		// Completed, then retried by hand (Client.JobRetry): nothing left.
		a.mu.Lock()
		defer a.mu.Unlock()
		return a.completeLocked(ctx)
	}
	r, err := p.src.Open(sh)
	if err != nil {
		return fmt.Errorf("rivershard: job %d: opening %v: %w", a.job.ID, sh, err)
	}
	stopWatch := a.watch(ctx, r)
	err = p.write(ctx, a, values(ctx, a, r))
	stopWatch()
	return a.end(ctx, err)
}

// write writes seq into the run's sink.
func (p *pipeline[V]) write(ctx context.Context, a *attempt, seq iter.Seq2[V, error]) error {
	if p.sink.pg == nil {
		return p.sink.write(ctx, seq, fencedStore{a}, a.name)
	}
	s := *p.sink.pg
	s.Checkpoint, s.Name = a.w.cursors, a.name
	_, err := s.Write(ctx, batchDB{a}, seq)
	return err
}

// values is r.All, which marks the attempt finished when it ends and
// stops early, at a value's boundary, when the attempt is asked to stop.
// A sink then commits what it has, and returns nil.
func values[V any](ctx context.Context, a *attempt, r shard.Reader[V]) iter.Seq2[V, error] {
	return func(yield func(V, error) bool) {
		for v, err := range r.All(ctx) {
			if err != nil {
				yield(v, err)
				return
			}
			a.yielded.Add(1)
			if !yield(v, nil) || a.stop.Load() {
				return
			}
		}
		a.finished.Store(true)
	}
}

// end returns Work's result once the sink has returned err.
func (a *attempt) end(ctx context.Context, err error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.completed:
		return nil
	case err != nil:
		return errors.Join(err, a.failed)
	case a.failed != nil:
		// The reader may stop before the End committed: the next
		// attempt reads to that End.
		return a.failed
	case a.finished.Load():
		return a.completeLocked(ctx)
	}
	// Stopped before the job's timeout, its batches committed: the job
	// goes on in a new attempt, at once and without counting one
	// (JobSnooze, River's error.go).
	return river.JobSnooze(0)
}

// load reads the shard of the job as it now stands: its row in the
// shards table, with the End its splits narrowed, the cursor of its last
// batch, and whether it is done, in one statement (one snapshot).
func (a *attempt) load(ctx context.Context) (sh shard.Shard, done bool, err error) {
	c := a.w.c
	var text, cursor string
	err = a.w.pool.QueryRow(ctx, `SELECT s.shard, s.done_at IS NOT NULL, coalesce(c.cursor, '')
FROM `+c.shards+` s LEFT JOIN `+c.cursorsQ+` c ON c.name = $2
WHERE s.job_id = $1`, a.job.ID, a.name).Scan(&text, &done, &cursor)
	if errors.Is(err, pgx.ErrNoRows) {
		return sh, false, fmt.Errorf("rivershard: job %d has no row in %s: not a job of Plan or of a split", a.job.ID, c.shards)
	}
	if err != nil {
		return sh, false, fmt.Errorf("rivershard: job %d: loading its shard: %w", a.job.ID, err)
	}
	if sh, err = shard.Parse(text); err != nil {
		return sh, false, fmt.Errorf("rivershard: job %d: %w", a.job.ID, err)
	}
	sh.Cursor = cursor
	return sh, done, nil
}

// fence locks the job's row in tx, and returns an error wrapping
// errStale unless River still counts this attempt as the job's running
// one. The lock is River's own JobUpdateTx with nothing to update (a
// SELECT … FOR UPDATE of the row, then an UPDATE that changes nothing:
// JobUpdate in riverdriver/riverpgxv5's river_job.sql): it waits for
// River's own updates of the row (the rescuer's, JobRescueMany; a fetch,
// JobGetAvailable) and holds them off until tx ends. So a rescue, and the
// attempt after it, come either before tx, which then commits nothing,
// or after it, and see what it committed.
func (a *attempt) fence(ctx context.Context, tx pgx.Tx) error {
	row, err := a.client.JobUpdateTx(ctx, tx, a.job.ID, nil)
	if errors.Is(err, rivertype.ErrNotFound) {
		return fmt.Errorf("%w: job %d is gone", errStale, a.job.ID)
	}
	if err != nil {
		return fmt.Errorf("rivershard: job %d: locking its row: %w", a.job.ID, err)
	}
	if row.State != rivertype.JobStateRunning || row.Attempt != a.job.Attempt ||
		row.AttemptedAt == nil || a.job.AttemptedAt == nil || !row.AttemptedAt.Equal(*a.job.AttemptedAt) {
		return fmt.Errorf("%w: job %d is %s in attempt %d, this is attempt %d", errStale, a.job.ID, row.State, row.Attempt, a.job.Attempt)
	}
	return nil
}

// completeLocked completes the job in a transaction of its own: after
// the last batch, when the shard's stream ended at a batch's boundary, or
// for a Checkpointed sink. a.mu is held.
func (a *attempt) completeLocked(ctx context.Context) error {
	if err := a.fenced(ctx, "completing", func(tx pgx.Tx) error { return a.completeIn(ctx, tx) }); err != nil {
		return err
	}
	a.completed = true
	return nil
}

// fenced runs f in a transaction of its own after the fence, and commits
// it; what names the step in the errors of the transaction's own begin
// and commit.
func (a *attempt) fenced(ctx context.Context, what string, f func(tx pgx.Tx) error) error {
	tx, err := a.w.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("rivershard: job %d: %s: %w", a.job.ID, what, err)
	}
	defer rollback(ctx, tx)
	if err := a.fence(ctx, tx); err != nil {
		return err
	}
	if err := f(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("rivershard: job %d: %s: %w", a.job.ID, what, err)
	}
	return nil
}

// completeIn completes the job in tx (River's JobCompleteTx, which sets
// it completed if it is running: job_complete_tx.go) and records in its
// shard's row that it is done, which outlives the job's row in River.
func (a *attempt) completeIn(ctx context.Context, tx pgx.Tx) error {
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, a.job); err != nil {
		return fmt.Errorf("rivershard: job %d: completing: %w", a.job.ID, err)
	}
	if _, err := tx.Exec(ctx, "UPDATE "+a.w.c.shards+" SET done_at = now() WHERE job_id = $1", a.job.ID); err != nil {
		return fmt.Errorf("rivershard: job %d: completing: %w", a.job.ID, err)
	}
	return nil
}

// rollback rolls tx back, even when ctx is done (a rollback with a done
// ctx fails at once and makes pgx close the connection). After a commit
// it does nothing.
func rollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	tx.Rollback(ctx)
}

// splitter is what a split needs of a shard.Reader[V], of any V.
type splitter interface {
	Split(ctx context.Context, keep float64) (shard.Shard, error)
	Shard() shard.Shard
}

// watch starts the attempt's timers: every SplitAfter it tries a split,
// and at three quarters of the job's timeout it asks the stream to stop,
// so that the sink commits what it has and the job goes on in a new
// attempt before River's timeout cancels this one (which would roll back
// the batch in progress and count a failed attempt). The function it
// returns stops them, and returns when no split is running.
func (a *attempt) watch(ctx context.Context, r splitter) (stop func()) {
	var soft, split <-chan time.Time
	var stopTimers []func() bool
	if deadline, ok := ctx.Deadline(); ok {
		t := time.NewTimer(time.Until(deadline) * 3 / 4)
		soft, stopTimers = t.C, append(stopTimers, t.Stop)
	}
	if a.w.c.splitAfter > 0 {
		t := time.NewTicker(a.w.c.splitAfter)
		split, stopTimers = t.C, append(stopTimers, func() bool { t.Stop(); return true })
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-soft:
				a.stop.Store(true)
				return
			case <-split:
				a.trySplit(ctx, r)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		for _, f := range stopTimers {
			f()
		}
	}
}

// trySplit splits off half of what the reader has not read as a new job,
// unless a job waits in the queue already, or the reader has yielded
// nothing yet: a reader that has not begun knows nothing of what it has
// left (s3list's gives all of it away, keeping nothing), and a shard whose
// first values are slow to come would be handed on and on, each job
// splitting before its first value, and never read.
func (a *attempt) trySplit(ctx context.Context, r splitter) {
	if a.finished.Load() || a.stop.Load() || a.yielded.Load() == 0 {
		return
	}
	waiting, err := a.client.JobList(ctx, river.NewJobListParams().
		Kinds(Kind).Queues(a.job.Queue).States(rivertype.JobStateAvailable).First(1))
	if err != nil || len(waiting.Jobs) > 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.finished.Load() || a.stop.Load() || a.completed {
		return
	}
	before := r.Shard().End
	rest, err := r.Split(ctx, 0.5)
	switch {
	case errors.Is(err, shard.ErrNoSplit):
		return
	case err != nil:
		if r.Shard().End != before {
			a.fail(fmt.Errorf("rivershard: job %d: split: %w", a.job.ID, err))
		}
		return
	}
	cur := r.Shard()
	cur.Cursor = ""
	if err := a.commitSplit(ctx, cur, rest); err != nil {
		a.fail(err)
	}
}

// fail records that a split narrowed the reader without committing its
// residual, and stops the stream: the job must not complete in this
// attempt, and the next reads to the End that committed.
func (a *attempt) fail(err error) {
	if a.failed == nil {
		a.failed = err
	}
	a.stop.Store(true)
}

// commitSplit narrows the job's shard to cur and inserts the job of the
// residual rest, with its row, in one transaction.
func (a *attempt) commitSplit(ctx context.Context, cur, rest shard.Shard) error {
	c := a.w.c
	return a.fenced(ctx, "split", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE "+c.shards+" SET shard = $2 WHERE job_id = $1", a.job.ID, cur.String()); err != nil {
			return fmt.Errorf("rivershard: job %d: split: %w", a.job.ID, err)
		}
		res, err := a.client.InsertTx(ctx, tx, Args{Run: a.job.Args.Run, Shard: rest, Parent: a.job.ID}, &river.InsertOpts{
			Queue:       a.job.Queue,
			Priority:    a.job.Priority,
			MaxAttempts: a.job.MaxAttempts,
		})
		if err != nil {
			return fmt.Errorf("rivershard: job %d: split: inserting the residual's job: %w", a.job.ID, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+c.shards+" (job_id, run, parent, shard) VALUES ($1, $2, $3, $4)",
			res.Job.ID, a.job.Args.Run, a.job.ID, rest.String()); err != nil {
			return fmt.Errorf("rivershard: job %d: split: %w", a.job.ID, err)
		}
		return nil
	})
}

// batchDB is the pgcopy.DB of a PGCopy sink: its batches' transactions
// commit through commitBatch.
type batchDB struct{ a *attempt }

func (d batchDB) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := d.a.w.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &batchTx{Tx: tx, a: d.a}, nil
}

type batchTx struct {
	pgx.Tx
	a *attempt
}

func (t *batchTx) Commit(ctx context.Context) error { return t.a.commitBatch(ctx, t.Tx) }

// commitBatch commits a batch of pgcopy, which has written its rows and
// saved its cursor in tx: after the fence, and, when the stream has ended
// (the batch is the shard's last: pgcopy's batch ends when it is full or
// when the stream ends, and reads no value beyond it), with the job's
// completion.
func (a *attempt) commitBatch(ctx context.Context, tx pgx.Tx) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	last := a.finished.Load() && a.failed == nil
	if err := a.fence(ctx, tx); err != nil {
		rollback(ctx, tx)
		// pgcopy reports a commit that failed with ErrTxCommitRollback
		// as not committed.
		return fmt.Errorf("%w: %w", err, pgx.ErrTxCommitRollback)
	}
	if last {
		if err := a.completeIn(ctx, tx); err != nil {
			rollback(ctx, tx)
			return fmt.Errorf("%w: %w", err, pgx.ErrTxCommitRollback)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	a.completed = last
	return nil
}

// fencedStore is the checkpoint.Store of a Checkpointed sink: a save
// commits after the fence.
type fencedStore struct{ a *attempt }

func (s fencedStore) Load(ctx context.Context, name string) (string, error) {
	return s.a.w.cursors.Load(ctx, name)
}

func (s fencedStore) Save(ctx context.Context, name, cursor string) error {
	a := s.a
	if name != a.name {
		return fmt.Errorf("rivershard: job %d: save under %q: the shard's cursor is %q", a.job.ID, name, a.name)
	}
	return a.fenced(ctx, "saving its cursor", func(tx pgx.Tx) error {
		return a.w.cursors.SaveTx(ctx, tx, name, cursor)
	})
}
