package rivershard

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Progress is how far a run has got, as [Status] reads it.
type Progress struct {
	// Planned reports whether the run is planned: Plan's transaction has
	// committed.
	Planned bool

	// Shards is the number of the run's shard jobs: those Plan inserted
	// and those split off running ones since.
	Shards int

	// Done is the number of shard jobs completed: each read to its End
	// and written.
	Done int

	// Splits is the number of shard jobs split off running ones.
	Splits int

	// Failed is the number of shard jobs that River gave up on without
	// completing them: discarded after their last attempt
	// (Config.MaxAttempts), or cancelled. The run cannot end until each
	// is retried (River's Client.JobRetry), once the cause of its errors
	// (river_job.errors) is fixed; it resumes from its cursor.
	Failed int

	// Lost is the number of shard jobs that are not done and that River
	// will not work again: gone from its jobs table (deleted by hand, or
	// by River's cleaner after they were discarded:
	// DiscardedJobRetentionPeriod, 7 days by default), or completed there
	// by something other than their worker. Their shards' values after
	// their cursors are not written; plan the run again under another
	// name.
	Lost int
}

// Finished reports whether every shard job of the run is done.
func (p Progress) Finished() bool { return p.Planned && p.Shards > 0 && p.Done == p.Shards }

// A Querier runs a query returning one row: *pgx.Conn, *pgxpool.Pool and
// pgx.Tx are Queriers.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Status returns the progress of run, from rivershard's tables and
// River's (both in opts.Schema), in one statement.
func Status(ctx context.Context, db Querier, run string, opts *Options) (Progress, error) {
	c, err := newConfig(opts)
	if err != nil {
		return Progress{}, err
	}
	if db == nil {
		return Progress{}, errors.New("rivershard: Status with a nil db")
	}
	if err := checkRun(run); err != nil {
		return Progress{}, err
	}
	var p Progress
	err = db.QueryRow(ctx, `SELECT
	EXISTS (SELECT 1 FROM `+c.runs+` WHERE run = $1),
	count(*),
	count(*) FILTER (WHERE s.done_at IS NOT NULL),
	count(*) FILTER (WHERE s.parent IS NOT NULL),
	count(*) FILTER (WHERE s.done_at IS NULL AND j.state IN ('discarded', 'cancelled')),
	count(*) FILTER (WHERE s.done_at IS NULL AND (j.id IS NULL OR j.state = 'completed'))
FROM `+c.shards+` s LEFT JOIN `+c.table("river_job")+` j ON j.id = s.job_id
WHERE s.run = $1`, run).Scan(&p.Planned, &p.Shards, &p.Done, &p.Splits, &p.Failed, &p.Lost)
	if err != nil {
		return Progress{}, fmt.Errorf("rivershard: status of run %q: %w", run, err)
	}
	return p, nil
}
