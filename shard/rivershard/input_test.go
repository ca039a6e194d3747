package rivershard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/shard/rivershard"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// The API refuses what it cannot use, with an error naming it, before
// any I/O.
func TestInputs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	check := func(what string, err error, want string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", what, err, want)
		}
	}
	_, err := rivershard.NewWorker(nil, nil)
	check("NewWorker(nil)", err, "nil pool")
	_, err = rivershard.NewWorker(nil, &rivershard.Options{Schema: "a.b"})
	check("Schema a.b", err, "holds a dot")
	_, err = rivershard.NewWorker(nil, &rivershard.Options{Schema: "a\x00"})
	check("Schema with NUL", err, "NUL")

	check("Register(nil worker)", rivershard.Register[int](nil, "r", nil, rivershard.Sink[int]{}), "nil Worker")
	var src shard.Source[sqlrows.Row[srcRow]] = (*sqlrows.KeysetSharder[srcRow])(nil)
	w := &rivershard.Worker{}
	check("empty run", rivershard.Register(w, "", src, rivershard.PGCopy(tableSink(1))), "empty run name")
	check("nil source", rivershard.Register[int](w, "r", nil, rivershard.Sink[int]{}), "nil source")
	check("zero Sink", rivershard.Register(w, "r", src, rivershard.Sink[sqlrows.Row[srcRow]]{}), "zero Sink")
	withCheckpoint := tableSink(1)
	withCheckpoint.Checkpoint = pgstore.New(nil, "cp")
	check("PGCopy with a Checkpoint", rivershard.Register(w, "r", src, rivershard.PGCopy(withCheckpoint)), "leave it nil")
	withName := tableSink(1)
	withName.Name = "n"
	check("PGCopy with a Name", rivershard.Register(w, "r", src, rivershard.PGCopy(withName)), "leave it empty")

	_, err = rivershard.Plan(ctx, nil, nil, "r", src, 1, nil)
	check("Plan(nil tx)", err, "nil tx")
	_, err = rivershard.Status(ctx, nil, "r", nil)
	check("Status(nil db)", err, "nil db")
}

func TestRegisterTwice(t *testing.T) {
	t.Parallel()
	_, pool := db(t, tableSetup)
	src, err := tableSource(pool)
	if err != nil {
		t.Fatal(err)
	}
	w, err := rivershard.NewWorker(pool, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rivershard.Register(w, "r", src, rivershard.PGCopy(tableSink(1))); err != nil {
		t.Fatal(err)
	}
	if err := rivershard.Register(w, "r", src, rivershard.PGCopy(tableSink(1))); err == nil || !strings.Contains(err.Error(), "registered twice") {
		t.Errorf("second Register = %v, want an error saying run r is registered twice", err)
	}
}

// TestNoTimeout works a job whose River client has no job timeout: the
// worker refuses it, since River would never rescue it from a dead worker.
func TestNoTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, pool := db(t, tableSetup+`INSERT INTO rivershard_src VALUES (1, 'one');`)
	src, err := tableSource(pool)
	if err != nil {
		t.Fatal(err)
	}
	plan(t, pool, "untimed", src, 1)
	tm := timing{MaxWorkers: 1, JobTimeout: -1, RescueAfter: time.Minute, SplitAfter: -1}
	startWorkers(t, pool, 1, tm, func(w *rivershard.Worker) error {
		return rivershard.Register(w, "untimed", src, rivershard.PGCopy(tableSink(1)))
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var msg string
		err := pool.QueryRow(ctx, "SELECT coalesce(errors[1]->>'error', '') FROM river_job WHERE kind = $1", rivershard.Kind).Scan(&msg)
		if err != nil {
			t.Fatal(err)
		}
		if msg != "" {
			if !strings.Contains(msg, "has no timeout") {
				t.Errorf("the job's error is %q, want one saying it has no timeout", msg)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the job has no error after 30 s")
		}
	}
	var rows int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM rivershard_dst").Scan(&rows); err != nil || rows != 0 {
		t.Errorf("rivershard_dst holds %d rows (%v), want none", rows, err)
	}
}
