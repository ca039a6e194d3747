package rivershard_test

import (
	"context"
	"strings"
	"testing"

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
