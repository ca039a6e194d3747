package watch_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/watch"
)

// TestPollBurst creates 1,000 files in 10 nested directory trees, each
// created and filled at once, while the tree is polled: every file and
// directory is reported, once, as Create.
func TestPollBurst(t *testing.T) {
	root := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a watchdog
	defer cancel()
	events, stop := watch.Stream(ctx, root, &watch.Options{Poll: pollInterval}, &sluice.StreamOptions{Buffer: 64})
	defer stop()
	var wg sync.WaitGroup
	var paths []string
	wg.Go(func() { paths = burst(t, root, 10, 100) })
	seen := map[string]int{}
	for e := range events {
		if e.Op != watch.Create {
			t.Errorf("unexpected %v", e)
			continue
		}
		seen[e.Path]++
		if len(seen) == 10*(100+3) {
			break
		}
	}
	wg.Wait()
	if err := stop(); err != nil {
		t.Fatalf("stop() = %v after %d paths", err, len(seen))
	}
	for _, p := range paths {
		if seen[p] != 1 {
			t.Errorf("%s reported %d times, want once", p, seen[p])
		}
	}
}

// TestPollChanges makes one change at a time, each after the previous one
// was reported, and checks the event of each. Each change is atomic (a
// rename of what was prepared outside the tree, a single write), so that
// no walk sees it half done.
func TestPollChanges(t *testing.T) {
	root, staging := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a watchdog
	defer cancel()
	events, stop := watch.Stream(ctx, root, &watch.Options{Poll: pollInterval}, nil)
	defer stop()
	f, g := filepath.Join(root, "d", "f"), filepath.Join(root, "d", "g")
	steps := []struct {
		name   string
		change func() error
		want   []watch.Event
	}{
		{"mkdir+create", func() error {
			d := filepath.Join(staging, "d")
			if err := os.Mkdir(d, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(d, "f"), []byte("x"), 0o644); err != nil {
				return err
			}
			return os.Rename(d, filepath.Dir(f))
		}, []watch.Event{{Path: filepath.Dir(f), Op: watch.Create}, {Path: f, Op: watch.Create}}},
		{"write", func() error {
			fd, err := os.OpenFile(f, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer fd.Close()
			_, err = fd.Write([]byte("xyz")) // one write(2)
			return err
		}, []watch.Event{{Path: f, Op: watch.Write}}},
		{"chmod", func() error { return os.Chmod(f, 0o600) }, []watch.Event{{Path: f, Op: watch.Chmod}}},
		{"rename", func() error { return os.Rename(f, g) }, []watch.Event{{Path: f, Op: watch.Remove}, {Path: g, Op: watch.Create}}},
		{"replace", func() error {
			tmp := filepath.Join(staging, "tmp")
			if err := os.WriteFile(tmp, []byte("abc"), 0o644); err != nil {
				return err
			}
			return os.Rename(tmp, g) // same size, another file
		}, []watch.Event{{Path: g, Op: watch.Create}}},
		{"remove tree", func() error { return os.RemoveAll(filepath.Dir(f)) }, []watch.Event{{Path: g, Op: watch.Remove}, {Path: filepath.Dir(f), Op: watch.Remove}}},
	}
	for _, s := range steps {
		if err := s.change(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		for i, want := range s.want {
			e, ok := <-events
			if !ok {
				t.Fatalf("%s: events closed: %v", s.name, stop())
			}
			if e.Path != want.Path || e.Op != want.Op {
				t.Fatalf("%s: event %d is %v, want %v", s.name, i, e, want)
			}
		}
	}
}

// TestPollUnlistable: a directory that cannot be listed is reported once as
// a Rescan, and what was known below it is not reported removed.
func TestPollUnlistable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: every directory can be listed")
	}
	root := t.TempDir()
	d := filepath.Join(root, "d")
	if err := os.MkdirAll(filepath.Join(d, "e"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(d, 0o755) })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a watchdog
	defer cancel()
	events, stop := watch.Stream(ctx, root, &watch.Options{Poll: pollInterval}, nil)
	defer stop()
	if err := os.Chmod(d, 0o300); err != nil { // not readable
		t.Fatal(err)
	}
	want := []watch.Event{{Path: d, Op: watch.Chmod}, {Path: d, Op: watch.Rescan}}
	for i, w := range want {
		e := <-events
		if e.Path != w.Path || e.Op != w.Op {
			t.Fatalf("event %d is %v, want %v", i, e, w)
		}
		if e.Op == watch.Rescan {
			t.Logf("Rescan: %v", e.Reason)
		}
	}
	// Listable again, with a new file: only the changes are reported.
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "new"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, w := range []watch.Event{{Path: d, Op: watch.Chmod}, {Path: filepath.Join(d, "new"), Op: watch.Create}} {
		e := <-events
		if e.Path != w.Path || e.Op != w.Op {
			t.Fatalf("got %v, want %v", e, w)
		}
	}
}

// TestOnReady: All calls OnReady once its watches are in place, before its
// first event, so a change made there is reported; Stream, before it
// returns.
func TestOnReady(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			root := t.TempDir()
			opts := m.opts
			calls := 0
			opts.OnReady = func() {
				calls++
				if err := os.WriteFile(filepath.Join(root, "f"), nil, 0o644); err != nil {
					t.Error(err)
				}
			}
			for e, err := range watch.All(context.Background(), root, &opts) {
				if err != nil {
					t.Fatal(err)
				}
				if e.Path != filepath.Join(root, "f") || !e.Op.Has(watch.Create) {
					t.Fatalf("got %v, want CREATE %s", e, filepath.Join(root, "f"))
				}
				break
			}
			if calls != 1 {
				t.Errorf("All: OnReady called %d times, want 1", calls)
			}
			calls = 0
			_, stop := watch.Stream(context.Background(), root, &opts, nil)
			if calls != 1 {
				t.Errorf("Stream: OnReady called %d times before it returned, want 1", calls)
			}
			if err := stop(); err != nil {
				t.Error(err)
			}
		})
	}
}
