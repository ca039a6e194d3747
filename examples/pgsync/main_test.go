package main

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }

// TestResume stops a sync twice in the middle of a batch and runs it
// again each time: in the end the target holds every row of the source
// exactly once.
func TestResume(t *testing.T) {
	ctx := context.Background()
	cfg := config{dsn: pgenv.Database(t), demo: 23456, batch: 1000}
	for i, limit := range []int{7777, 5555, 0} {
		cfg.limit = limit
		var out strings.Builder
		if err := run(ctx, cfg, &out); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out.String())
		}
		t.Logf("run %d:\n%s", i, out.String())
		if i > 0 && !strings.Contains(out.String(), "resuming after") {
			t.Errorf("run %d did not resume", i)
		}
		if want := "the source has 23456 rows, the target 23456 (23456 distinct)"; limit == 0 && !strings.Contains(out.String(), want) {
			t.Errorf("the last run's output lacks %q", want)
		}
	}
}

func TestDone(t *testing.T) {
	ctx := context.Background()
	cfg := config{dsn: pgenv.Database(t), demo: 2500, batch: 1000}
	var out strings.Builder
	for range 2 { // the second run has nothing left to copy
		if err := run(ctx, cfg, &out); err != nil {
			t.Fatal(err)
		}
	}
	if want := "done: the source has 2500 rows, the target 2500 (2500 distinct)"; strings.Count(out.String(), want) != 2 {
		t.Errorf("output:\n%s\nwant twice %q", out.String(), want)
	}
}
