package watch_test

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/watch"
)

// watchdog bounds a test that waits for events: a lost event would
// otherwise hang it. It is not a timing assertion.
func watchdog(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mark creates the file name under root and returns the events that
// came before its Create: everything the watch reported about what was
// done before it.
func mark(t *testing.T, events <-chan watch.Event, stop func() error, root, name string) []watch.Event {
	t.Helper()
	touch(t, filepath.Join(root, name))
	var got []watch.Event
	for e := range events {
		if e.Path == filepath.Join(root, name) && e.Op.Has(watch.Create) {
			return got
		}
		got = append(got, e)
	}
	t.Fatalf("the watch ended before %s was reported: %v (after %v)", name, stop(), got)
	return nil
}

func touch(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// reported returns the events of got for root's entry rel or below it.
func reported(got []watch.Event, root, rel string) []watch.Event {
	p := filepath.Join(root, rel)
	var out []watch.Event
	for _, e := range got {
		if e.Path == p || strings.HasPrefix(e.Path, p+string(filepath.Separator)) {
			out = append(out, e)
		}
	}
	return out
}

// TestFilterSkip: nil keeps an event, sluice.Skip drops it and nothing
// else, and fs.SkipDir for a file's event drops that event only.
func TestFilterSkip(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			root := t.TempDir()
			opts := m.opts
			opts.Filter = func(e watch.Event) error {
				switch {
				case filepath.Base(e.Path) == "dropped":
					return sluice.Skip
				case filepath.Base(e.Path) == "file" && e.Op.Has(watch.Create):
					return fs.SkipDir // a file's event: dropped as with Skip
				}
				return nil
			}
			events, stop := watch.Stream(watchdog(t), root, &opts, nil)
			defer stop()
			touch(t, filepath.Join(root, "dropped"))
			touch(t, filepath.Join(root, "file"))
			touch(t, filepath.Join(root, "kept"))
			got := mark(t, events, stop, root, "m1")
			if r := reported(got, root, "dropped"); len(r) > 0 {
				t.Errorf("Skip: reported %v", r)
			}
			if r := reported(got, root, "file"); len(r) > 0 {
				t.Errorf("SkipDir for a file: reported %v", r)
			}
			if r := reported(got, root, "kept"); len(r) == 0 {
				t.Errorf("nil: kept not reported in %v", got)
			}
			// fs.SkipDir left out that event only: the file's next
			// event is asked about, and kept.
			if err := os.WriteFile(filepath.Join(root, "file"), []byte("longer than it was"), 0o644); err != nil {
				t.Fatal(err)
			}
			got = mark(t, events, stop, root, "m2")
			if r := reported(got, root, "file"); len(r) == 0 || !r[0].Op.Has(watch.Write) {
				t.Errorf("after SkipDir for a file, its Write: got %v, want WRITE", got)
			}
		})
	}
}

// TestFilterSkipDir: fs.SkipDir for a directory's event leaves the
// directory out with everything below it: nothing under it is reported,
// and it is not watched. Asked about when the watch is set up (old), and
// when a directory is created (new).
func TestFilterSkipDir(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			root := t.TempDir()
			touch(t, filepath.Join(root, "old", "sub", "f"))
			touch(t, filepath.Join(root, "kept", "f"))
			opts := m.opts
			var mu sync.Mutex // asked is read while the watch runs
			asked := map[string]int{}
			snapshot := func() map[string]int {
				mu.Lock()
				defer mu.Unlock()
				return maps.Clone(asked)
			}
			opts.Filter = func(e watch.Event) error {
				rel, _ := filepath.Rel(root, e.Path)
				mu.Lock()
				defer mu.Unlock()
				asked[rel]++
				if rel == "old" || rel == "new" {
					return fs.SkipDir
				}
				return nil
			}
			events, stop := watch.Stream(watchdog(t), root, &opts, nil)
			defer stop()
			touch(t, filepath.Join(root, "old", "g"))
			touch(t, filepath.Join(root, "old", "sub", "g"))
			touch(t, filepath.Join(root, "new", "f"))
			touch(t, filepath.Join(root, "kept", "g"))
			got := mark(t, events, stop, root, "m1")
			// new's Create has been handled by now: what is created in it
			// from now on would be reported if it were watched.
			touch(t, filepath.Join(root, "new", "g"))
			touch(t, filepath.Join(root, "old", "h"))
			got = append(got, mark(t, events, stop, root, "m2")...)
			seen := snapshot()
			for _, dir := range []string{"old", "new"} {
				if r := reported(got, root, dir); len(r) > 0 {
					t.Errorf("%s left out with SkipDir: reported %v", dir, r)
				}
				if seen[dir] == 0 {
					t.Errorf("Filter never asked about %s", dir)
				}
				for rel := range seen {
					if strings.HasPrefix(rel, dir+string(filepath.Separator)) {
						t.Errorf("Filter asked about %s, below %s", rel, dir)
					}
				}
			}
			if r := reported(got, root, filepath.Join("kept", "g")); len(r) == 0 {
				t.Errorf("kept/g not reported: %v", got)
			}
			if m.opts.Poll == 0 {
				for dir, want := range map[string]bool{"kept": true, "old": false, "old/sub": false, "new": false} {
					if w, ok := watched(t, filepath.Join(root, dir)); ok && w != want {
						t.Errorf("%s watched: %v, want %v", dir, w, want)
					}
				}
			}
			// Removed, new is forgotten: made again, it is asked about
			// afresh (and left out again).
			if err := os.RemoveAll(filepath.Join(root, "new")); err != nil {
				t.Fatal(err)
			}
			got = mark(t, events, stop, root, "m3")
			touch(t, filepath.Join(root, "new", "h"))
			got = append(got, mark(t, events, stop, root, "m4")...)
			if n := snapshot()["new"]; n != 2 {
				t.Errorf("Filter asked %d times about new, made twice, want 2", n)
			}
			if r := reported(got, root, "new"); len(r) > 0 {
				t.Errorf("new made again and left out with SkipDir: reported %v", r)
			}
			if err := stop(); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestFilterEnd: fs.SkipAll ends the watch without error, another error
// ends it with that error; the events kept before are reported, nothing
// after. The names sort in the order they are created, as a walk of the
// polling mode reports them.
func TestFilterEnd(t *testing.T) {
	errBoom := errors.New("boom")
	for _, m := range modes {
		for _, tc := range []struct {
			name   string
			answer error
			want   error
		}{{"SkipAll", fs.SkipAll, nil}, {"Error", errBoom, errBoom}} {
			t.Run(m.name+"/"+tc.name, func(t *testing.T) {
				root := t.TempDir()
				opts := m.opts
				opts.Filter = func(e watch.Event) error {
					if filepath.Base(e.Path) == "b-end" {
						return tc.answer
					}
					return nil
				}
				events, stop := watch.Stream(watchdog(t), root, &opts, nil)
				defer stop()
				for _, name := range []string{"a-before", "b-end", "c-after"} {
					touch(t, filepath.Join(root, name))
				}
				var got []string
				for e := range events {
					got = append(got, e.String())
				}
				if err := stop(); !errors.Is(err, tc.want) || (err == nil) != (tc.want == nil) {
					t.Errorf("stop() = %v, want %v", err, tc.want)
				}
				if len(got) != 1 || got[0] != "CREATE "+filepath.Join(root, "a-before") {
					t.Errorf("got %q, want only the Create of a-before", got)
				}
			})
		}
	}
}

// TestFilterSkipAllAll: ranged with All, fs.SkipAll ends the loop
// without an error pair.
func TestFilterSkipAllAll(t *testing.T) {
	root := t.TempDir()
	opts := &watch.Options{
		OnReady: func() { touch(t, filepath.Join(root, "f")) },
		Filter:  func(watch.Event) error { return fs.SkipAll },
	}
	for e, err := range watch.All(watchdog(t), root, opts) {
		t.Fatalf("got (%v, %v), want the loop to end", e, err)
	}
}

// TestFilterSkipDirInclude: Filter is asked about a directory's event
// even when Include drops it, since its answer decides whether the
// directory is watched.
func TestFilterSkipDirInclude(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			root := t.TempDir()
			opts := m.opts
			opts.Include = []string{"*.txt"}
			opts.Filter = func(e watch.Event) error {
				if filepath.Base(e.Path) == "new" {
					return fs.SkipDir
				}
				return nil
			}
			events, stop := watch.Stream(watchdog(t), root, &opts, nil)
			defer stop()
			touch(t, filepath.Join(root, "new", "a.txt"))
			touch(t, filepath.Join(root, "kept.txt"))
			got := mark(t, events, stop, root, "m1.txt")
			touch(t, filepath.Join(root, "new", "b.txt"))
			got = append(got, mark(t, events, stop, root, "m2.txt")...)
			if r := reported(got, root, "new"); len(r) > 0 {
				t.Errorf("new left out with SkipDir, its own event dropped by Include: reported %v", r)
			}
			if r := reported(got, root, "kept.txt"); len(r) == 0 {
				t.Errorf("kept.txt not reported: %v", got)
			}
		})
	}
}
