package fleet

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/sluice-go/sluice/shard/rivershard"
)

// PlanCommand runs the planning command with args, its command line
// without the program's name: it plans the run, or with -status prints
// how far it has got. It writes what it does to out, and returns the
// error that should end the program: a flag.ErrHelp after -h.
func PlanCommand(ctx context.Context, args []string, out io.Writer) error {
	var c config
	fs := c.flagSet("plan", out)
	shards := fs.Int("shards", 64, "cut the listing into up to `N` shards, one job each")
	status := fs.Bool("status", false, "print the run's progress instead of planning it")
	wait := fs.Bool("wait", false, "with -status: print it every second until the run is finished")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	switch {
	case *shards < 1:
		return fmt.Errorf("-shards %d: want at least 1", *shards)
	case *wait && !*status:
		return fmt.Errorf("-wait goes with -status")
	}
	pool, err := pgxpool.New(ctx, c.DSN)
	if err != nil {
		return err
	}
	defer pool.Close()
	if *status {
		return printStatus(ctx, pool, &c, out, *wait)
	}
	return plan(ctx, pool, &c, *shards, out)
}

// plan creates the tables, and plans the run unless it is planned
// already: each step is idempotent, so a planner may run again, or
// alongside another.
func plan(ctx context.Context, pool *pgxpool.Pool, c *config, shards int, out io.Writer) error {
	if err := rivershard.Migrate(ctx, pool, nil); err != nil {
		return err
	}
	table := c.tableName()
	if _, err := pool.Exec(ctx, fmt.Sprintf(createTable, table.Sanitize())); err != nil {
		return fmt.Errorf("creating table %s: %w", table.Sanitize(), err)
	}
	s3c, closeS3, err := c.s3Client(ctx)
	if err != nil {
		return err
	}
	defer closeS3()
	src, err := c.sharder(s3c)
	if err != nil {
		return err
	}
	// An insert-only client: it works no job.
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return err
	}
	start := time.Now()
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	n, err := rivershard.Plan(ctx, tx, client, c.Run, src, shards, c.options(0))
	if err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	if n == 0 {
		p, err := rivershard.Status(ctx, pool, c.Run, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "run %s is planned already: %s\n", c.Run, progress(p))
		return nil
	}
	fmt.Fprintf(out, "planned run %s: %s into %s in %d shards (%v)\n",
		c.Run, c.source(), table.Sanitize(), n, time.Since(start).Round(time.Millisecond))
	return nil
}

// printStatus prints the progress of the run, and with wait, again every
// second until it is finished.
func printStatus(ctx context.Context, pool *pgxpool.Pool, c *config, out io.Writer, wait bool) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		p, err := rivershard.Status(ctx, pool, c.Run, nil)
		if err != nil {
			return err
		}
		var rows int64
		if p.Planned {
			// Counting is a scan of the table: fine for an example's
			// table, not for one of 10^9 rows.
			err := pool.QueryRow(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE starts_with(key, $1)", c.tableName().Sanitize()), c.Prefix).Scan(&rows)
			if err != nil {
				return err
			}
		}
		fmt.Fprintf(out, "run %s: %s; %s holds %d objects of %s\n", c.Run, progress(p), c.tableName().Sanitize(), rows, c.source())
		if !wait || p.Finished() {
			return nil
		}
		if p.Failed > 0 || p.Lost > 0 {
			return fmt.Errorf("run %s cannot finish: %s", c.Run, progress(p))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// progress says p in words.
func progress(p rivershard.Progress) string {
	switch {
	case !p.Planned:
		return "not planned"
	case p.Finished():
		return fmt.Sprintf("finished, %d shards done (%d split off running ones)", p.Done, p.Splits)
	}
	s := fmt.Sprintf("%d of %d shards done (%d split off running ones)", p.Done, p.Shards, p.Splits)
	if p.Failed > 0 {
		s += fmt.Sprintf(", %d failed (see river_job.errors; retry with River's JobRetry once fixed)", p.Failed)
	}
	if p.Lost > 0 {
		s += fmt.Sprintf(", %d lost (their jobs are gone from river_job)", p.Lost)
	}
	return s
}
