package rivershard

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/shard"
)

// A Worker is River's worker of shard jobs (kind [Kind]). Register the
// runs it works, with their source and sink, then add it to River's
// workers:
//
//	w, err := rivershard.NewWorker(pool, nil)
//	err = rivershard.Register(w, "nightly", src, rivershard.PGCopy(sink))
//	workers := river.NewWorkers()
//	river.AddWorker(workers, w)
//	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Workers: workers, …})
//
// Each job is one attempt at a shard: it opens the shard, as it stands
// after the last batch committed and the last split, on the run's source,
// writes its values into the run's sink, splits off half of what remains
// each Options.SplitAfter, and completes the job when the shard is read to
// its end. See the package documentation for what it guarantees.
type Worker struct {
	river.WorkerDefaults[Args]

	pool    *pgxpool.Pool
	c       config
	cursors *pgstore.Store

	mu   sync.RWMutex
	runs map[string]runner
}

// runner works the jobs of one registered run.
type runner interface {
	work(ctx context.Context, a *attempt) error
}

// NewWorker returns a Worker that keeps the state of shards in pool's
// database, in rivershard's tables of opts.Schema (see [Migrate]), and
// writes PGCopy sinks through pool. pool must be the pool of River's
// driver, or one on the same database.
//
// A shard job holds a connection of pool for its batch in progress, and
// for a moment another when it splits; a source or a sink on the same
// pool holds its own besides. Give pool enough connections for River's
// own (a few) and twice the jobs the client works at once
// (QueueConfig.MaxWorkers), or a source of its own pool.
func NewWorker(pool *pgxpool.Pool, opts *Options) (*Worker, error) {
	c, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if pool == nil {
		return nil, errors.New("rivershard: NewWorker with a nil pool")
	}
	return &Worker{pool: pool, c: c, cursors: pgstore.New(pool, c.cursors), runs: map[string]runner{}}, nil
}

// Register registers run with w: w works the jobs of run by opening their
// shards on src and writing them into sink. Register every run before the
// River client starts: a job of a run its worker does not know fails, and
// is retried as River's retry policy says. src must be the source the run
// was planned on (Open refuses a shard of another).
func Register[V any](w *Worker, run string, src shard.Source[V], sink Sink[V]) error {
	if w == nil {
		return errors.New("rivershard: Register with a nil Worker")
	}
	if err := checkRun(run); err != nil {
		return err
	}
	if src == nil {
		return fmt.Errorf("rivershard: Register of run %q with a nil source", run)
	}
	if err := sink.check(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.runs[run]; ok {
		return fmt.Errorf("rivershard: run %q registered twice", run)
	}
	w.runs[run] = &pipeline[V]{src: src, sink: sink}
	return nil
}

// Work works one attempt at the shard of job. River calls it.
func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	if err := checkRun(job.Args.Run); err != nil {
		return err
	}
	w.mu.RLock()
	r, ok := w.runs[job.Args.Run]
	w.mu.RUnlock()
	if !ok {
		return fmt.Errorf("rivershard: run %q is not registered with this worker", job.Args.Run)
	}
	if _, ok := ctx.Deadline(); !ok {
		// River's rescuer leaves alone a running job whose timeout is
		// -1 (makeRetryDecision, internal/maintenance/job_rescuer.go):
		// a dead worker's shard would never be read again.
		return errors.New("rivershard: the job has no timeout (River's JobTimeout or the worker's is -1): " +
			"River never rescues such a job from a dead worker; give it a timeout")
	}
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return fmt.Errorf("rivershard: %w", err)
	}
	a := &attempt{w: w, client: client, job: job, name: fmt.Sprintf("%s/%d", job.Args.Run, job.ID)}
	return r.work(ctx, a)
}
