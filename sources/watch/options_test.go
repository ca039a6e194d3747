package watch_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-go/sluice/sources/watch"
)

// TestDebounce writes a file 1,000 times in a burst: with a fixed window
// per path, it is reported at most once per window that the burst
// overlaps, carrying Create|Write, and at least once.
func TestDebounce(t *testing.T) {
	root := t.TempDir()
	// Long enough that the watcher, however loaded the machine, handles the
	// burst's events within a window or two.
	const window = time.Second
	events, stop := watch.Stream(context.Background(), root, &watch.Options{Debounce: window})
	defer stop()
	p := filepath.Join(root, "f")
	start := time.Now()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		if _, err := f.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	took := time.Since(start)
	// Windows close in the order they opened: the marker's comes after
	// every event of the burst.
	if err := os.WriteFile(filepath.Join(root, "end"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var got []watch.Event
	for e := range events {
		if filepath.Base(e.Path) == "end" {
			break
		}
		got = append(got, e)
	}
	most := 1 + int(took/window) + 1
	if len(got) < 1 || len(got) > most {
		t.Fatalf("got %d events %v for a burst of %v, want 1 to %d", len(got), got, took, most)
	}
	if !got[0].Op.Has(watch.Create | watch.Write) {
		t.Errorf("first event %v, want CREATE|WRITE", got[0])
	}
	t.Logf("burst of %v: %v", took, got)
}

// TestDebounceCreateRemove: a file created and removed within one window
// is reported as one Remove.
func TestDebounceCreateRemove(t *testing.T) {
	root := t.TempDir()
	events, stop := watch.Stream(context.Background(), root, &watch.Options{Debounce: time.Hour})
	p := filepath.Join(root, "f")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	// A Rescan flushes the debouncer: provoke none; stop instead, and
	// check nothing but a Remove could have come.
	_ = stop()
	for e := range events {
		if e.Op != watch.Remove {
			t.Errorf("got %v, want at most one REMOVE", e)
		}
	}
}

func TestExistingAndNewDir(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { testExistingAndNewDir(t, m.opts) })
	}
}

func testExistingAndNewDir(t *testing.T, opts watch.Options) {
	root := t.TempDir()
	for _, p := range []string{"a/b/c", "node_modules/x", ".git/y"} {
		if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "a/b/c/old"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	opts.Existing = true
	events, stop := watch.Stream(context.Background(), root, &opts)
	defer stop()
	if err := os.MkdirAll(filepath.Join(root, "n/m"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "n/m/new"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "a/b", "a/b/c", "a/b/c/old", "n", "n/m", "n/m/new"}
	seen := map[string]int{}
	for e := range events {
		rel, _ := filepath.Rel(root, e.Path)
		if e.Op != watch.Create {
			t.Errorf("unexpected %v", e)
			continue
		}
		seen[rel]++
		if len(seen) == len(want) {
			break
		}
	}
	for _, p := range want {
		if seen[p] != 1 {
			t.Errorf("%s reported %d times, want once", p, seen[p])
		}
	}
}

func TestRootErrors(t *testing.T) {
	_, stop := watch.Stream(context.Background(), filepath.Join(t.TempDir(), "missing"), nil)
	if err := stop(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stream(missing root): stop() = %v, want fs.ErrNotExist", err)
	}
	for _, err := range watch.All(context.Background(), filepath.Join(t.TempDir(), "missing"), nil) {
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("All(missing root) yielded %v, want fs.ErrNotExist", err)
		}
	}
	_, stop = watch.Stream(context.Background(), t.TempDir(), &watch.Options{Include: []string{"["}})
	if err := stop(); err == nil {
		t.Error("a bad pattern: stop() = nil, want an error")
	}
}

// TestRootRemoved: removing the root ends the watch with ErrRootGone.
func TestRootRemoved(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { testRootRemoved(t, m.opts) })
	}
}

func testRootRemoved(t *testing.T, opts watch.Options) {
	root := filepath.Join(t.TempDir(), "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	events, stop := watch.Stream(context.Background(), root, &opts)
	if err := os.Remove(root); err != nil {
		t.Fatal(err)
	}
	for range events {
	}
	if err := stop(); !errors.Is(err, watch.ErrRootGone) {
		t.Errorf("stop() = %v, want ErrRootGone", err)
	}
}
