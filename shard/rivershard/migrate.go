package rivershard

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// Migrate creates, in opts.Schema, River's tables (with River's own
// migrations, package rivermigrate, up to the newest) and rivershard's:
//
//	sluice_shard_runs     one row per run Plan has planned
//	sluice_shards         one row per shard job: its run, the job it was
//	                      split from, its shard as it now stands, when it
//	                      was done
//	sluice_shard_cursors  the cursor of each shard job's last batch
//	                      (package pgstore's table)
//
// It is idempotent: run it before the planner and the workers start, as a
// deployment step. The schema itself must exist.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts *Options) error {
	c, err := newConfig(opts)
	if err != nil {
		return err
	}
	if pool == nil {
		return fmt.Errorf("rivershard: Migrate with a nil pool")
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{
		Schema: c.schema,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return fmt.Errorf("rivershard: River's migrations: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("rivershard: River's migrations: %w", err)
	}
	if _, err := pool.Exec(ctx, c.ddl()); err != nil {
		return fmt.Errorf("rivershard: creating rivershard's tables: %w", err)
	}
	return nil
}

// ddl creates rivershard's tables. Shards refer to their run, not to
// River's job: River deletes a job some time after it ends (its
// CompletedJobRetentionPeriod, a day by default), and a shard's row is
// the run's lasting record that it was done.
func (c config) ddl() string {
	return fmt.Sprintf(`
CREATE TABLE IF NOT EXISTS %[1]s (
	run        text PRIMARY KEY,
	shards     integer NOT NULL,
	planned_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS %[2]s (
	job_id     bigint PRIMARY KEY,
	run        text NOT NULL REFERENCES %[1]s (run) ON DELETE CASCADE,
	parent     bigint,
	shard      text NOT NULL,
	done_at    timestamptz,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS sluice_shards_run ON %[2]s (run);
CREATE TABLE IF NOT EXISTS %[3]s (
	name       text PRIMARY KEY,
	cursor     text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
);`, c.runs, c.shards, c.cursorsQ)
}
