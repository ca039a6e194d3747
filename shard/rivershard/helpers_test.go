package rivershard_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/sluice-go/sluice/internal/testenv/pgenv"
	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/shard/rivershard"
	"github.com/sluice-go/sluice/sinks/pgcopy"
	"github.com/sluice-go/sluice/sources/s3list"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// timing is River's configuration of a test's clients: short enough that
// a killed worker's jobs are rescued in seconds, not River's hour.
type timing struct {
	MaxWorkers  int
	JobTimeout  time.Duration
	RescueAfter time.Duration
	SplitAfter  time.Duration
}

var quick = timing{MaxWorkers: 2, JobTimeout: 10 * time.Second, RescueAfter: 12 * time.Second, SplitAfter: 2 * time.Second}

// retrySoon is a River retry policy that retries a failed job after half
// a second, every time: River's default waits attempt⁴ seconds, minutes
// after a few kills of one job.
type retrySoon struct{}

func (retrySoon) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(500 * time.Millisecond)
}

// newPool opens a pool on dsn with room for River and MaxWorkers jobs,
// each with a source's connection and a batch's.
func newPool(ctx context.Context, dsn string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = maxConns
	return pgxpool.NewWithConfig(ctx, cfg)
}

// newClient returns a River client on pool; with w, a worker of its jobs.
func newClient(pool *pgxpool.Pool, w *rivershard.Worker, tm timing, logs io.Writer) (*river.Client[pgx.Tx], error) {
	cfg := &river.Config{
		Logger:               slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})),
		JobTimeout:           tm.JobTimeout,
		RescueStuckJobsAfter: tm.RescueAfter,
		RetryPolicy:          retrySoon{},
		FetchCooldown:        20 * time.Millisecond,
		FetchPollInterval:    200 * time.Millisecond,
		TestOnly:             true,
	}
	if w != nil {
		workers := river.NewWorkers()
		river.AddWorker(workers, w)
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: tm.MaxWorkers}}
	}
	return river.NewClient(riverpgxv5.New(pool), cfg)
}

// db creates a database for t with River's and rivershard's tables, runs
// setup in it, and returns its connection string and a pool on it.
func db(t *testing.T, setup string) (string, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	dsn := pgenv.Database(t)
	pool, err := newPool(ctx, dsn, 12)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := rivershard.Migrate(ctx, pool, nil); err != nil {
		t.Fatal(err)
	}
	if setup != "" {
		if _, err := pool.Exec(ctx, setup); err != nil {
			t.Fatal(err)
		}
	}
	return dsn, pool
}

// plan plans run of src in n shards, in a transaction of its own, with
// an insert-only client, and returns the number of jobs inserted.
func plan[V any](t *testing.T, pool *pgxpool.Pool, run string, src shard.Source[V], n int) int {
	t.Helper()
	ctx := context.Background()
	client, err := newClient(pool, nil, quick, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	k, err := rivershard.Plan(ctx, tx, client, run, src, n, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return k
}

// srcRow is a row of the tables the tests copy.
type srcRow struct {
	ID int64
	V  string
}

// The tables of the table copy: rivershard_src (id bigint, v text), read
// in keyset order of id, copied into rivershard_dst.
const tableSetup = `
CREATE TABLE rivershard_src (id bigint PRIMARY KEY, v text NOT NULL);
CREATE TABLE rivershard_dst (id bigint NOT NULL, v text NOT NULL);
CREATE TABLE rivershard_objects (key text NOT NULL, size bigint NOT NULL);`

// tableSource is the keyset scan of rivershard_src, sharded.
func tableSource(pool *pgxpool.Pool) (*sqlrows.KeysetSharder[srcRow], error) {
	return sqlrows.NewKeysetSharder(pool, sqlrows.Table{From: "rivershard_src", Select: "id, v", Key: []string{"id"}},
		scanRow, &sqlrows.KeysetOptions{PageSize: 1000})
}

// tableDB creates a database for t with the tables of the table copy,
// rivershard_src holding rows rows (id i, v 'row i', from 1), and returns
// a pool on it and the keyset scan of rivershard_src.
func tableDB(t *testing.T, rows int) (*pgxpool.Pool, *sqlrows.KeysetSharder[srcRow]) {
	t.Helper()
	_, pool := db(t, tableSetup+fmt.Sprintf(`
INSERT INTO rivershard_src SELECT i, 'row ' || i FROM generate_series(1, %d) AS i;`, rows))
	src, err := tableSource(pool)
	if err != nil {
		t.Fatal(err)
	}
	return pool, src
}

// scanRow scans a row of rivershard_src: as pgx.RowToStructByPos does,
// without its reflection, which costs half the copy's time under -race.
func scanRow(row pgx.CollectableRow) (srcRow, error) {
	var r srcRow
	err := row.Scan(&r.ID, &r.V)
	return r, err
}

// tableSink writes rows of rivershard_src into rivershard_dst.
func tableSink(batch int) *pgcopy.Sink[sqlrows.Row[srcRow]] {
	return &pgcopy.Sink[sqlrows.Row[srcRow]]{
		Table:     pgx.Identifier{"rivershard_dst"},
		Columns:   []string{"id", "v"},
		Row:       func(r sqlrows.Row[srcRow]) ([]any, error) { return []any{r.Value.ID, r.Value.V}, nil },
		BatchRows: batch,
	}
}

// bucketSource is the listing of bucket, sharded.
func bucketSource(client *s3.Client, bucket string) (*s3list.Sharder, error) {
	return s3list.NewSharder(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}, nil)
}

// objectSink writes the objects of a listing into rivershard_objects.
func objectSink(batch int) *pgcopy.Sink[s3list.Entry] {
	return &pgcopy.Sink[s3list.Entry]{
		Table:     pgx.Identifier{"rivershard_objects"},
		Columns:   []string{"key", "size"},
		Row:       func(e s3list.Entry) ([]any, error) { return []any{e.Key(), aws.ToInt64(e.Object.Size)}, nil },
		BatchRows: batch,
	}
}

// waitFinished waits until every run of runs is finished, and fails t
// after limit, or when a run has failed or lost shards.
func waitFinished(t *testing.T, pool *pgxpool.Pool, limit time.Duration, runs ...string) {
	t.Helper()
	start := time.Now()
	deadline := start.Add(limit)
	seen := map[string]bool{}
	for {
		all := true
		var last []string
		for _, run := range runs {
			p, err := rivershard.Status(context.Background(), pool, run, nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.Failed > 0 || p.Lost > 0 {
				t.Fatalf("run %s: %+v", run, p)
			}
			all = all && p.Finished()
			if p.Finished() && !seen[run] {
				seen[run] = true
				t.Logf("run %s finished %v after the wait began: %+v", run, time.Since(start).Round(time.Millisecond), p)
			}
			last = append(last, fmt.Sprintf("%s %+v", run, p))
		}
		if all {
			return
		}
		if time.Now().After(deadline) {
			dumpJobs(t, pool, runs...)
			t.Fatalf("not finished after %v: %v", limit, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dumpJobs logs the jobs of runs that are not done.
func dumpJobs(t *testing.T, pool *pgxpool.Pool, runs ...string) {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT s.job_id, s.shard, coalesce(c.cursor, ''), coalesce(j.state::text, 'gone'), coalesce(j.attempt, 0),
	coalesce(j.attempted_at::text, ''), coalesce(j.scheduled_at::text, ''), coalesce(array_to_string(j.errors[greatest(array_length(j.errors, 1) - 2, 1):], ' | '), '')
FROM sluice_shards s LEFT JOIN river_job j ON j.id = s.job_id LEFT JOIN sluice_shard_cursors c ON c.name = s.run || '/' || s.job_id
WHERE s.run = ANY($1) AND s.done_at IS NULL ORDER BY s.job_id`, runs)
	if err != nil {
		t.Log(err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var shard, cursor, state, at, sched, errs string
		var attempt int
		if err := rows.Scan(&id, &shard, &cursor, &state, &attempt, &at, &sched, &errs); err != nil {
			t.Log(err)
			return
		}
		t.Logf("job %d %s attempt %d at %s scheduled %s: %s cursor %q; errors: %s", id, state, attempt, at, sched, shard, cursor, errs)
	}
	var now string
	pool.QueryRow(context.Background(), "SELECT now()::text").Scan(&now)
	t.Logf("now %s", now)
}
