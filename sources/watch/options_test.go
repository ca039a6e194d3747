package watch_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
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
	events, stop := watch.Stream(context.Background(), root, &watch.Options{Debounce: window}, nil)
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
// is reported as one Remove, when the window closes. The window is short,
// so that it really closes in the test, and long enough that both events
// of the file are handled within it: each is handled as soon as it is
// read, and the kernel queues them together.
func TestDebounceCreateRemove(t *testing.T) {
	root := t.TempDir()
	events, stop := watch.Stream(watchdog(t), root, &watch.Options{Debounce: 200 * time.Millisecond}, nil)
	defer stop()
	p := filepath.Join(root, "f")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	var got []watch.Event
	for e := range events {
		if e.Path != p {
			t.Errorf("unexpected %v", e)
			continue
		}
		got = append(got, e)
		if e.Op.Has(watch.Remove) {
			break
		}
	}
	if len(got) != 1 || got[0].Op != watch.Remove {
		t.Errorf("got %v for a Create and a Remove in one window, want one REMOVE (stop: %v)", got, stop())
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
	events, stop := watch.Stream(context.Background(), root, &opts, nil)
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
	_, stop := watch.Stream(context.Background(), filepath.Join(t.TempDir(), "missing"), nil, nil)
	if err := stop(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stream(missing root): stop() = %v, want fs.ErrNotExist", err)
	}
	for _, err := range watch.All(context.Background(), filepath.Join(t.TempDir(), "missing"), nil) {
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("All(missing root) yielded %v, want fs.ErrNotExist", err)
		}
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
	events, stop := watch.Stream(context.Background(), root, &opts, nil)
	if err := os.Remove(root); err != nil {
		t.Fatal(err)
	}
	for range events {
	}
	if err := stop(); !errors.Is(err, watch.ErrRootGone) {
		t.Errorf("stop() = %v, want ErrRootGone", err)
	}
}

// TestInvalid: an empty root or invalid options are reported when All or
// Stream is called, before anything is watched or even looked at (the
// root here does not exist: its error would come first otherwise), as
// the only pair of the iterator, or by stop of a closed channel; the
// message names the package and the option.
func TestInvalid(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		root string
		opts watch.Options
		want string
	}{
		{"", watch.Options{}, "watch: empty root"},
		{missing, watch.Options{Debounce: -1}, "watch: Options.Debounce is -1ns"},
		{missing, watch.Options{Poll: -time.Second}, "watch: Options.Poll is -1s"},
		{missing, watch.Options{Include: []string{"*.go", "["}}, `watch: Options.Include: pattern "["`},
		{missing, watch.Options{Exclude: []string{"[a-"}}, `watch: Options.Exclude: pattern "[a-"`},
	} {
		opts := tc.opts
		ready := 0
		opts.OnReady = func() { ready++ }
		n := 0
		for _, err := range watch.All(context.Background(), tc.root, &opts) {
			if n++; err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("All(%q, %+v): pair %d has error %v, want %q", tc.root, tc.opts, n, err, tc.want)
			}
		}
		if n != 1 {
			t.Errorf("All(%q, %+v): %d pairs, want 1", tc.root, tc.opts, n)
		}
		events, stop := watch.Stream(context.Background(), tc.root, &opts, nil)
		select {
		case _, ok := <-events:
			if ok {
				t.Errorf("Stream(%q, %+v): a value, want a closed channel", tc.root, tc.opts)
			}
		default:
			t.Errorf("Stream(%q, %+v): channel open when Stream returned, want closed", tc.root, tc.opts)
		}
		if err := stop(); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("Stream(%q, %+v): stop() = %v, want %q", tc.root, tc.opts, err, tc.want)
		}
		if ready != 0 {
			t.Errorf("%+v: OnReady called %d times, want never", tc.opts, ready)
		}
	}
}

// TestInvalidStreamOptions: Stream checks the stream options before it
// places a watch: none is placed, OnReady is not called.
func TestInvalidStreamOptions(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			opts := m.opts
			opts.OnReady = func() { t.Error("OnReady called: the watch was set up") }
			before := watch.OpenWatchers()
			events, stop := watch.Stream(context.Background(), t.TempDir(), &opts, &sluice.StreamOptions{Buffer: -1})
			if n := watch.OpenWatchers(); n != before {
				t.Errorf("%d watches open when Stream returned, want %d", n, before)
			}
			for e := range events {
				t.Errorf("got %v, want none", e)
			}
			if err := stop(); err == nil || !strings.Contains(err.Error(), "StreamOptions.Buffer") {
				t.Errorf("stop() = %v, want an error naming StreamOptions.Buffer", err)
			}
		})
	}
}
