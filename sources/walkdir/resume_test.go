package walkdir_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/sources/walkdir"
)

// resumeTree makes a tree of 5 directories of 3 directories of 4 files
// under a new temporary directory, and returns its root.
func resumeTree(t *testing.T) string {
	root := filepath.Join(t.TempDir(), "root")
	for _, d := range []string{"a", "b", "c", "d", "e"} {
		for _, s := range []string{"p", "q", "r"} {
			dir := filepath.Join(root, d, s)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for f := range 4 {
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprint(f)), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return root
}

// mover moves directories out of a tree and puts them back.
type mover struct {
	t     *testing.T
	away  string
	mu    sync.Mutex
	moved []string // moved out, not yet back
}

func (m *mover) remove(dir string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := os.Rename(dir, filepath.Join(m.away, fmt.Sprint(len(m.moved)))); err != nil {
		m.t.Error(err)
	}
	m.moved = append(m.moved, dir)
}

func (m *mover) restore() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, dir := range m.moved {
		if err := os.Rename(filepath.Join(m.away, fmt.Sprint(i)), dir); err != nil {
			m.t.Error(err)
		}
	}
	m.moved = nil
}

// TestResumeVanishedDirectory removes two directories from a tree while
// it is walked, each after its parent was read and before the walk reads
// it, and restores them while the stage waits to reopen the walk:
// sluice.Resume with walkdir.Transient reopens it after the directory's
// own entry, the last one delivered, and the consumer gets exactly the
// entries of a clean walk, once each, in order, in both forms.
func TestResumeVanishedDirectory(t *testing.T) {
	for _, form := range []string{"Resume", "ResumeStream"} {
		t.Run(form, func(t *testing.T) {
			root := resumeTree(t)
			want, err := collect(walkdir.Dir(context.Background(), root, nil))
			if err != nil {
				t.Fatal(err)
			}
			m := &mover{t: t, away: t.TempDir()}
			// On receiving the key, remove the value: d (root was read
			// first of all), and e/q (e was read before e/p was yielded;
			// the channel form's producer, a value ahead, has read e/p
			// and not e/q, since e/p holds files).
			removals := map[string]string{
				filepath.Join(root, "b"):      filepath.Join(root, "d"),
				filepath.Join(root, "e", "p"): filepath.Join(root, "e", "q"),
			}
			var retries []sluice.RetryEvent
			opts := &sluice.ResumeOptions{
				Transient:    walkdir.Transient,
				InitialDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond,
				OnRetry: func(e sluice.RetryEvent) {
					retries = append(retries, e) // the producer's goroutine alone, in the channel form
					m.restore()
				},
			}
			open := func(ctx context.Context, after string) iter.Seq2[walkdir.Entry, error] {
				return walkdir.Dir(ctx, root, &walkdir.Options{After: after})
			}
			var got []string
			use := func(e walkdir.Entry) {
				got = append(got, e.Path)
				if dir, ok := removals[e.Path]; ok {
					m.remove(dir)
				}
			}
			if form == "Resume" {
				for e, err := range sluice.Resume(context.Background(), open, walkdir.Entry.Cursor, opts) {
					if err != nil {
						t.Fatalf("after %d entries: %v", len(got), err)
					}
					use(e)
				}
			} else {
				ch, stop := sluice.ResumeStream(context.Background(), open, walkdir.Entry.Cursor, opts, nil)
				for e := range ch {
					use(e)
				}
				if err := stop(); err != nil {
					t.Fatalf("after %d entries: %v", len(got), err)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%d entries, want the clean walk's %d, each once and in order:\ngot  %q\nwant %q", len(got), len(want), got, want)
			}
			var cursors []string
			for _, e := range retries {
				cursors = append(cursors, e.Cursor)
				if !errors.Is(e.Err, fs.ErrNotExist) {
					t.Errorf("retry after %v, want an error matching fs.ErrNotExist", e.Err)
				}
			}
			wantCursors := []string{
				walkdir.Entry{Path: filepath.Join(root, "d")}.Cursor(),
				walkdir.Entry{Path: filepath.Join(root, "e", "q")}.Cursor(),
			}
			if !slices.Equal(cursors, wantCursors) {
				t.Errorf("reopened after %q, want after each vanished directory, %q", cursors, wantCursors)
			}
		})
	}
}

// TestTransient: which errors that end a walk are transient, among them
// those of a real vanished directory and a real missing root, in both
// walks.
func TestTransient(t *testing.T) {
	ctx := context.Background()
	missing := filepath.Join(t.TempDir(), "missing")
	_, dirRoot := collect(walkdir.Dir(ctx, missing, nil))
	_, allRoot := collect(walkdir.All(ctx, os.DirFS(filepath.Dir(missing)), "missing", nil))

	// A directory removed once its entry is yielded, before it is read.
	vanished := func(walk func(root string) iter.Seq2[walkdir.Entry, error], root string) error {
		for e, err := range walk(root) {
			if err != nil {
				return err
			}
			if e.IsDir() && e.Depth == 1 {
				if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
		}
		return nil
	}
	dirVanished := vanished(func(root string) iter.Seq2[walkdir.Entry, error] { return walkdir.Dir(ctx, root, nil) }, resumeTree(t))
	fsRoot := resumeTree(t)
	allVanished := vanished(func(string) iter.Seq2[walkdir.Entry, error] {
		return walkdir.All(ctx, os.DirFS(fsRoot), ".", nil)
	}, fsRoot)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, canceledErr := collect(walkdir.Dir(canceled, resumeTree(t), nil))
	_, badCursor := collect(walkdir.Dir(ctx, missing, &walkdir.Options{After: "no-version"}))
	filterErr := errors.New("filter says no")
	_, filtered := collect(walkdir.Dir(ctx, resumeTree(t), &walkdir.Options{Filter: func(walkdir.Entry) error { return filterErr }}))
	loopRoot := t.TempDir()
	if err := os.Symlink(loopRoot, filepath.Join(loopRoot, "self")); err != nil {
		t.Fatal(err)
	}
	_, loop := collect(walkdir.Dir(ctx, loopRoot, &walkdir.Options{FollowSymlinks: true}))

	pathErr := func(op string, errno syscall.Errno) error {
		return fmt.Errorf("walkdir: %w", &fs.PathError{Op: op, Path: "x", Err: errno})
	}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"Dir: a directory vanished", dirVanished, true},
		{"All: a directory vanished", allVanished, true},
		{"Dir: no root", dirRoot, false},
		{"All: no root", allRoot, false},
		{"canceled", canceledErr, false},
		{"bad cursor", badCursor, false},
		{"Filter's error", filtered, false},
		{"symbolic link loop", loop, false},
		{"readdir ENOENT", pathErr("readdir", syscall.ENOENT), true},
		{"EMFILE", pathErr("open", syscall.EMFILE), true},
		{"ENFILE", pathErr("open", syscall.ENFILE), true},
		{"ESTALE", pathErr("readdirent", syscall.ESTALE), true},
		{"ETIMEDOUT", pathErr("open", syscall.ETIMEDOUT), true},
		{"EACCES", pathErr("open", syscall.EACCES), false},
		{"EIO", pathErr("readdirent", syscall.EIO), false},
		{"nil", nil, false},
	} {
		if tc.err == nil && tc.name != "nil" {
			t.Errorf("%s: the walk ended without an error", tc.name)
			continue
		}
		if got := walkdir.Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%s: %v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestResumeConformance runs the suite on sluice.Resume and ResumeStream
// over walkdir.All with walkdir.Transient, on the fixture and the broken
// file systems of TestConformance: the stage must keep the contract over
// a real source, and pass its failures (none transient here) through.
func TestResumeConformance(t *testing.T) {
	fsys := &countFS{fsys: conformanceTree()}
	want := walkDirPaths(t, conformanceTree(), ".")
	ropts := func(after string) *sluice.ResumeOptions {
		return &sluice.ResumeOptions{Transient: walkdir.Transient, After: after, InitialDelay: time.Millisecond}
	}
	over := func(fsys fs.FS, root string, o *walkdir.Options) func(context.Context, string) iter.Seq2[walkdir.Entry, error] {
		return func(ctx context.Context, after string) iter.Seq2[walkdir.Entry, error] {
			oo := *o
			oo.After = after
			return walkdir.All(ctx, fsys, root, &oo)
		}
	}
	stalled := func(ctx context.Context, n int) iter.Seq2[walkdir.Entry, error] {
		return sluice.Resume(ctx, func(ctx context.Context, after string) iter.Seq2[walkdir.Entry, error] {
			return walkdir.All(ctx, chainTrap(n, nil, ctx), ".", &walkdir.Options{After: after})
		}, walkdir.Entry.Cursor, ropts(""))
	}
	plain := &walkdir.Options{}
	conformance.Test(t, conformance.Source[walkdir.Entry]{
		All: func(ctx context.Context) iter.Seq2[walkdir.Entry, error] {
			return sluice.Resume(ctx, over(fsys, ".", plain), walkdir.Entry.Cursor, ropts(""))
		},
		Stream: func(ctx context.Context) (<-chan walkdir.Entry, func() error) {
			return sluice.ResumeStream(ctx, over(fsys, ".", plain), walkdir.Entry.Cursor, ropts(""), nil)
		},
		Want:  want,
		Equal: sameEntry,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[walkdir.Entry, error] {
			fsys, root, o := failAfter(want, n, err, walkdir.Options{})
			return sluice.Resume(ctx, over(fsys, root, o), walkdir.Entry.Cursor, ropts(""))
		},
		StreamFail: func(ctx context.Context, n int, err error) (<-chan walkdir.Entry, func() error) {
			fsys, root, o := failAfter(want, n, err, walkdir.Options{})
			return sluice.ResumeStream(ctx, over(fsys, root, o), walkdir.Entry.Cursor, ropts(""), nil)
		},
		Stall: stalled,
		StreamStall: func(ctx context.Context, n int) (<-chan walkdir.Entry, func() error) {
			return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[walkdir.Entry, error] {
				return stalled(ctx, n)
			}, nil)
		},
		Cursor: walkdir.Entry.Cursor,
		After: func(ctx context.Context, c string) iter.Seq2[walkdir.Entry, error] {
			return sluice.Resume(ctx, over(fsys, ".", plain), walkdir.Entry.Cursor, ropts(c))
		},
		BadCursors: badCursors,
		Open:       func() int { return int(fsys.open.Load()) },
	}, nil)
}
