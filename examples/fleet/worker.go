package fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/sluice-go/sluice/shard/rivershard"
)

// WorkerCommand runs the worker command with args, its command line
// without the program's name: a River client that works the run's shard
// jobs, as many at once as -concurrency says, until ctx is done or, with
// -exit, until the run is finished. It writes what it does to out and
// River's warnings to logs, and returns the error that should end the
// program: a flag.ErrHelp after -h.
//
// When ctx is done it stops as River's Client.Stop does: it fetches no
// more jobs and waits for those it works, each of which ends on its own,
// its batches committed, at three quarters of -job-timeout at most (then
// River cancels them: its SoftStopTimeout is the job timeout). A shard
// it leaves unfinished goes on at once in another worker, or in this one
// started again.
func WorkerCommand(ctx context.Context, args []string, out, logs io.Writer) error {
	var c config
	fs := c.flagSet("worker", out)
	concurrency := fs.Int("concurrency", 4, "shard jobs worked at once by this process")
	batch := fs.Int("batch", 5000, "rows per transaction")
	jobTimeout := fs.Duration("job-timeout", time.Minute, "River's JobTimeout: an attempt at a shard ends at 3/4 of it, and the shard goes on in a new attempt")
	rescueAfter := fs.Duration("rescue-after", 2*time.Minute, "River's RescueStuckJobsAfter: how long after its attempt began a dead worker's shard is given to another")
	splitAfter := fs.Duration("split-after", 30*time.Second, "split off half of what a shard has left after it has run this long, when no job waits (negative: never)")
	exit := fs.Bool("exit", false, "exit once the run is finished, rather than serve until stopped")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	switch {
	case *concurrency < 1:
		return fmt.Errorf("-concurrency %d: want at least 1", *concurrency)
	case *batch < 1:
		return fmt.Errorf("-batch %d: want at least 1", *batch)
	case *jobTimeout <= 0:
		// River never rescues a job without a timeout from a dead worker.
		return fmt.Errorf("-job-timeout %v: want more than 0", *jobTimeout)
	case *rescueAfter < *jobTimeout:
		// River's own rule: a job is not stuck before its timeout.
		return fmt.Errorf("-rescue-after %v: want at least -job-timeout (%v)", *rescueAfter, *jobTimeout)
	case *splitAfter == 0:
		return errors.New("-split-after 0: want a duration, or a negative one for never")
	}

	pcfg, err := pgxpool.ParseConfig(c.DSN)
	if err != nil {
		return err
	}
	// River's few connections, and for each job its batch's and, for a
	// moment, a split's (rivershard.NewWorker).
	pcfg.MaxConns = int32(2**concurrency + 4)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	s3c, closeS3, err := c.s3Client(ctx)
	if err != nil {
		return err
	}
	defer closeS3()
	src, err := c.sharder(s3c)
	if err != nil {
		return err
	}
	w, err := rivershard.NewWorker(pool, c.options(*splitAfter))
	if err != nil {
		return err
	}
	if err := rivershard.Register(w, c.Run, src, rivershard.PGCopy(c.sink(*batch))); err != nil {
		return err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Workers: workers,
		// The run's own queue: this worker fetches no other run's jobs,
		// which it could not work.
		Queues:               map[string]river.QueueConfig{c.Run: {MaxWorkers: *concurrency}},
		JobTimeout:           *jobTimeout,
		RescueStuckJobsAfter: *rescueAfter,
		SoftStopTimeout:      *jobTimeout,
	})
	if err != nil {
		return err
	}
	// Not ctx: its end starts the stop below, which lets the jobs end
	// on their own, rather than River's stop on a canceled Start
	// context.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	fmt.Fprintf(out, "worker of run %s: %s into %s, %d jobs at once\n", c.Run, c.source(), c.tableName().Sanitize(), *concurrency)

	err = serve(ctx, pool, &c, *exit, out)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), *jobTimeout+10*time.Second)
	defer cancel()
	if serr := client.Stop(stopCtx); serr != nil {
		err = errors.Join(err, fmt.Errorf("stopping River's client: %w", serr))
	}
	return err
}

// serve returns when ctx is done, or, with exit, when the run is finished
// or cannot finish.
func serve(ctx context.Context, pool *pgxpool.Pool, c *config, exit bool, out io.Writer) error {
	if !exit {
		<-ctx.Done()
		fmt.Fprintf(out, "stopping: finishing the jobs in progress\n")
		return nil
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(out, "stopping before the run is finished: finishing the jobs in progress\n")
			return nil
		case <-tick.C:
		}
		p, err := rivershard.Status(ctx, pool, c.Run, nil)
		switch {
		case err != nil && ctx.Err() != nil:
			continue
		case err != nil:
			return err
		case p.Finished():
			fmt.Fprintf(out, "run %s: %s\n", c.Run, progress(p))
			return nil
		case p.Failed > 0 || p.Lost > 0:
			return fmt.Errorf("run %s cannot finish: %s", c.Run, progress(p))
		}
	}
}
