package watch_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/watch"
)

// burst creates files files across nested directories, each directory
// created and filled at once, and returns their paths.
func burst(t *testing.T, root string, dirs, perDir int) []string {
	var paths []string
	for i := range dirs {
		leaf := filepath.Join(root, fmt.Sprintf("d%d", i), "sub", "leaf")
		if err := os.MkdirAll(leaf, 0o755); err != nil {
			t.Error(err)
			return paths
		}
		for j := range perDir {
			p := filepath.Join(leaf, fmt.Sprintf("f%d", j))
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Error(err)
				return paths
			}
			paths = append(paths, p)
		}
	}
	return paths
}

// TestBurst creates files in nested directory trees, each created and
// filled as fast as possible, while the consumer reads: every file must
// be reported. The burst makes fewer events than the kernel's queue holds
// (fs.inotify.max_queued_events), a quarter at most, so that it cannot
// overflow even if the consumer reads nothing until it is over: a Rescan
// would be a watcher that loses track of what it could have reported
// event by event.
func TestBurst(t *testing.T) {
	const dirs = 20 // each: 3 directories, then perDir files, an event each
	perDir := min(150, queueSize()/4/dirs-3)
	if perDir < 10 {
		t.Skipf("fs.inotify.max_queued_events is %d: too small for a burst", queueSize())
	}
	root := t.TempDir()
	// The deadline is a watchdog, not a timing assertion: a lost event
	// would otherwise hang the test.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	events, stop := watch.Stream(ctx, root, nil, &sluice.StreamOptions{Buffer: 256})
	defer stop()
	var wg sync.WaitGroup
	var paths []string
	wg.Go(func() { paths = burst(t, root, dirs, perDir) })
	seen := map[string]int{}
	var rescan *watch.Event
	for e := range events {
		if e.Op == watch.Rescan {
			rescan = &e
			break
		}
		if e.Op.Has(watch.Create) {
			seen[e.Path]++
			if len(seen) == dirs*(perDir+3) { // the files and the directories
				break
			}
		}
	}
	wg.Wait()
	if err := stop(); err != nil {
		t.Fatalf("stop() = %v after %d paths", err, len(seen))
	}
	if rescan != nil {
		t.Fatalf("Rescan of %s (%v) after %d paths, for a burst of %d events within the kernel's queue of %d",
			rescan.Path, rescan.Reason, len(seen), dirs*(perDir+3), queueSize())
	}
	for _, p := range paths {
		if seen[p] == 0 {
			t.Errorf("%s: not reported", p)
		}
	}
	dups := 0
	for _, n := range seen {
		if n > 1 {
			dups++
		}
	}
	t.Logf("%d paths reported, %d more than once", len(seen), dups)
}

// queueSize returns the size of the kernel's inotify event queue
// (fs.inotify.max_queued_events), or its usual default.
func queueSize() int {
	size := 16384
	if b, err := os.ReadFile("/proc/sys/fs/inotify/max_queued_events"); err == nil {
		fmt.Sscan(string(b), &size)
	}
	return size
}

// overflowable returns the size of the kernel's inotify event queue
// (fs.inotify.max_queued_events), and skips t if it is too large to fill
// in a test.
func overflowable(t *testing.T) int {
	t.Helper()
	max := queueSize()
	if max > 200000 {
		t.Skipf("fs.inotify.max_queued_events is %d: too large to overflow in a test", max)
	}
	return max
}

// TestOverflow fills the kernel's event queue while the consumer does not
// read, then reads slowly: the loss must be reported as a Rescan.
func TestOverflow(t *testing.T) {
	max := overflowable(t)
	root := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	events, stop := watch.Stream(ctx, root, nil, &sluice.StreamOptions{Buffer: 1})
	defer stop()
	for i := range max + watch.Held + 1000 {
		if err := os.WriteFile(filepath.Join(root, fmt.Sprint(i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for e := range events {
		if n < 10 {
			time.Sleep(time.Millisecond) // a slow consumer
		}
		n++
		if e.Op == watch.Rescan {
			if e.Path != root {
				t.Errorf("Rescan of %s, want the root %s", e.Path, root)
			}
			t.Logf("Rescan after %d events: %v", n-1, e.Reason)
			return
		}
	}
	t.Fatalf("the events ended after %d, without a Rescan: %v", n, stop())
}

// TestAutoRescan overflows the kernel's queue as TestOverflow does, with
// Options.AutoRescan: by the Rescan, which is marked ErrRescanned, every
// file has been reported as Create, by an event or by the walk; the files
// created after it are reported too.
func TestAutoRescan(t *testing.T) {
	max := overflowable(t)
	root := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	events, stop := watch.Stream(ctx, root, &watch.Options{AutoRescan: true}, &sluice.StreamOptions{Buffer: 1})
	defer stop()
	// Nested directories too: a directory whose Create is lost must be
	// watched and listed by the walk.
	paths := burst(t, root, 10, 10)
	for i := range max + watch.Held + 1000 {
		p := filepath.Join(root, fmt.Sprint(i))
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	seen := map[string]int{}
	n := 0
	for e := range events {
		if n < 10 {
			time.Sleep(time.Millisecond) // a slow consumer
		}
		n++
		if e.Op == watch.Rescan {
			if e.Path != root || !errors.Is(e.Reason, watch.ErrRescanned) || !errors.Is(e.Reason, fsnotify.ErrEventOverflow) {
				t.Fatalf("got %v (%v), want a Rescan of the root marked ErrRescanned", e, e.Reason)
			}
			t.Logf("Rescan after %d events: %v", n-1, e.Reason)
			break
		}
		if e.Op.Has(watch.Create) {
			seen[e.Path]++
		}
	}
	if n == 0 || len(seen) == 0 {
		t.Fatalf("no event: %v", stop())
	}
	for _, p := range paths {
		if seen[p] == 0 {
			t.Errorf("%s: not reported by the Rescan", p)
		}
	}
	// The watches are in place in the directories the walk found.
	late := burst(t, filepath.Join(root, "d0"), 1, 10)
	want := map[string]bool{}
	for _, p := range late {
		want[p] = true
	}
	for e := range events {
		if e.Op.Has(watch.Create) && want[e.Path] {
			delete(want, e.Path)
			if len(want) == 0 {
				break
			}
		}
	}
	if len(want) > 0 {
		t.Fatalf("%d files created after the Rescan not reported: %v", len(want), stop())
	}
	dups := 0
	for _, c := range seen {
		if c > 1 {
			dups++
		}
	}
	t.Logf("%d paths reported by the Rescan, %d more than once", len(seen), dups)
}

// TestBacklogNewDirs creates, in one directory and while the consumer
// reads nothing, directories with files in them and files beside them:
// the watcher then handles their Creates together and learns which are
// directories from one read of their parent, not from a Lstat each (issue
// 13). Every directory must be watched and listed: each file in one is
// reported, and so is a file created in each after the burst.
func TestBacklogNewDirs(t *testing.T) {
	const n = 200
	root := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	events, stop := watch.Stream(ctx, root, nil, nil)
	defer stop()
	want := map[string]bool{}
	write := func(p string) {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		want[p] = true
	}
	var dirs []string
	for i := range n {
		d := filepath.Join(root, fmt.Sprintf("d%03d", i))
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		want[d] = true
		dirs = append(dirs, d)
		write(filepath.Join(root, fmt.Sprintf("f%03d", i)))
		write(filepath.Join(d, "a"))
		write(filepath.Join(d, "b"))
	}
	// The deadline is a watchdog: a path never reported would hang.
	take := func(what string) {
		for e := range events {
			if e.Op == watch.Rescan {
				t.Fatalf("%v (%v): a Rescan, for a burst within the kernel's queue", e, e.Reason)
			}
			if e.Op.Has(watch.Create) {
				delete(want, e.Path)
				if len(want) == 0 {
					return
				}
			}
		}
		t.Fatalf("%d paths %s not reported, %v among them: %v", len(want), what, slices.Collect(maps.Keys(want))[:1], stop())
	}
	take("of the burst")
	for _, d := range dirs {
		write(filepath.Join(d, "late"))
	}
	take("created after the burst")
}
