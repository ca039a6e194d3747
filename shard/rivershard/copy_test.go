package rivershard_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/shard/rivershard"
)

// startWorkers starts n River clients on pool, each with a Worker of its
// own, for which register registers the runs; they stop when t ends.
func startWorkers(t *testing.T, pool *pgxpool.Pool, n int, tm timing, register func(*rivershard.Worker) error) {
	t.Helper()
	for range n {
		w, err := rivershard.NewWorker(pool, &rivershard.Options{SplitAfter: tm.SplitAfter})
		if err != nil {
			t.Fatal(err)
		}
		if err := register(w); err != nil {
			t.Fatal(err)
		}
		client, err := newClient(pool, w, tm, tWriter{t})
		if err != nil {
			t.Fatal(err)
		}
		if err := client.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := client.StopAndCancel(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// tWriter writes River's log into the test's.
type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Logf("river: %s", p)
	return len(p), nil
}

// checkTableCopy fails t unless rivershard_dst holds each row of
// rivershard_src once, and nothing else.
func checkTableCopy(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	var src, dst, dups, missing int
	err := db.QueryRow(context.Background(), `SELECT
	(SELECT count(*) FROM rivershard_src),
	(SELECT count(*) FROM rivershard_dst),
	(SELECT count(*) FROM (SELECT id FROM rivershard_dst GROUP BY id HAVING count(*) > 1) AS d),
	(SELECT count(*) FROM rivershard_src s WHERE NOT EXISTS (SELECT 1 FROM rivershard_dst d WHERE d.id = s.id AND d.v = s.v))`).
		Scan(&src, &dst, &dups, &missing)
	if err != nil {
		t.Fatal(err)
	}
	if dst != src || dups != 0 || missing != 0 {
		t.Errorf("rivershard_dst holds %d rows for the %d of rivershard_src: %d ids more than once, %d rows missing", dst, src, dups, missing)
	}
}

// TestCopyTable copies a table into another with two workers.
func TestCopyTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, src := tableDB(t, 20000)
	if k := plan(t, pool, "table", src, 6); k < 2 {
		t.Fatalf("Plan inserted %d jobs, want several", k)
	}
	startWorkers(t, pool, 2, quick, func(w *rivershard.Worker) error {
		return rivershard.Register(w, "table", src, rivershard.PGCopy(tableSink(2000)))
	})
	waitFinished(t, pool, 60*time.Second, "table")
	checkTableCopy(t, pool)

	// A shard done in its last batch's transaction has the time of that
	// transaction (now()) as both its done_at and its cursor's updated_at.
	var shards, inBatch int
	err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE s.done_at = c.updated_at)
FROM sluice_shards s JOIN sluice_shard_cursors c ON c.name = s.run || '/' || s.job_id`).Scan(&shards, &inBatch)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of %d shards completed in the transaction of their last batch", inBatch, shards)
	if inBatch == 0 {
		t.Errorf("none of %d shards completed in the transaction of its last batch", shards)
	}
}

// TestPlanTwice plans a run twice, the second Plan waiting for the
// first's transaction: only the first inserts jobs.
func TestPlanTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, src := tableDB(t, 5000)
	client, err := newClient(pool, nil, quick, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	tx1, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	n1, err := rivershard.Plan(ctx, tx1, client, "twice", src, 4, nil)
	if err != nil || n1 < 2 {
		t.Fatalf("first Plan = %d, %v", n1, err)
	}
	second := make(chan error, 1)
	go func() {
		second <- func() error {
			tx2, err := pool.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx2.Rollback(ctx)
			n2, err := rivershard.Plan(ctx, tx2, client, "twice", src, 4, nil)
			if err != nil {
				return err
			}
			if n2 != 0 {
				t.Errorf("second Plan, waiting for the first, = %d, want 0", n2)
			}
			return tx2.Commit(ctx)
		}()
	}()
	select {
	case err := <-second:
		t.Fatalf("the second Plan returned (%v) before the first committed", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if n := plan(t, pool, "twice", src, 4); n != 0 {
		t.Errorf("a third Plan = %d, want 0", n)
	}
	var jobs, shards int
	err = pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM river_job WHERE kind = $1), (SELECT count(*) FROM sluice_shards)", rivershard.Kind).Scan(&jobs, &shards)
	if err != nil {
		t.Fatal(err)
	}
	if jobs != n1 || shards != n1 {
		t.Errorf("%d jobs and %d shards after three Plans, want %d", jobs, shards, n1)
	}
}
