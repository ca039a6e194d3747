package walkdir_test

import (
	"context"
	"iter"
	"testing"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/sources/walkdir"
)

// TestConformance runs the suite on All and Stream, reading one
// directory at a time and with read-ahead workers, unbuffered and
// buffered.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts walkdir.Options
	}{
		{"Sequential", walkdir.Options{}},
		{"Workers=4", walkdir.Options{Workers: 4}},
		{"Workers=2/Buffer=8", walkdir.Options{Workers: 2, StreamOptions: sluice.StreamOptions{Buffer: 8}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conformance.Test(t, source(t, tc.opts), nil)
		})
	}
}

func source(t *testing.T, opts walkdir.Options) conformance.Source[walkdir.Entry] {
	fsys := &countFS{fsys: fixture()}
	with := func(after string) *walkdir.Options {
		o := opts
		o.After = after
		return &o
	}
	// Stall's fs blocks until the context of the walk is done; Stream
	// is StreamFunc over All, which is how the stall fs, made per call,
	// sees the stream's own context (see Stream).
	stalled := func(ctx context.Context, n int) iter.Seq2[walkdir.Entry, error] {
		return walkdir.All(ctx, chainTrap(n, nil, ctx), ".", with(""))
	}
	return conformance.Source[walkdir.Entry]{
		All: func(ctx context.Context) iter.Seq2[walkdir.Entry, error] {
			return walkdir.All(ctx, fsys, ".", with(""))
		},
		Stream: func(ctx context.Context) (<-chan walkdir.Entry, func() error) {
			return walkdir.Stream(ctx, fsys, ".", with(""))
		},
		Want:  walkDirPaths(t, fixture(), "."),
		Equal: sameEntry,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[walkdir.Entry, error] {
			return walkdir.All(ctx, chainTrap(n, err, nil), ".", with(""))
		},
		Stall: stalled,
		StreamStall: func(ctx context.Context, n int) (<-chan walkdir.Entry, func() error) {
			return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[walkdir.Entry, error] {
				return stalled(ctx, n)
			}, &opts.StreamOptions)
		},
		Cursor: walkdir.Entry.Cursor,
		After: func(ctx context.Context, c string) iter.Seq2[walkdir.Entry, error] {
			return walkdir.All(ctx, fsys, ".", with(c))
		},
		Open: func() int { return int(fsys.open.Load()) },
	}
}

// TestConformanceDir runs the suite on Dir and DirStream over a real
// temporary tree. The operating system offers no way to make a read fail
// or stall on demand, nor to count open directories, so those checks run
// on All and Stream above, which share the walk with Dir.
func TestConformanceDir(t *testing.T) {
	dir := tree(t, "a/b/c.txt", "a/b/d/e.txt", "a/f.txt", "a.txt", "b/empty/", "b/g.txt", "c/h/i/j/k.txt", "z.txt")
	var want []walkdir.Entry
	for _, p := range filepathWalkDir(t, dir) {
		want = append(want, walkdir.Entry{Path: p})
	}
	samePath := func(a, b walkdir.Entry) bool { return a.Path == b.Path }
	for _, workers := range []int{0, 4} {
		opts := func(after string) *walkdir.Options { return &walkdir.Options{Workers: workers, After: after} }
		t.Run("Workers="+string(rune('0'+workers)), func(t *testing.T) {
			conformance.Test(t, conformance.Source[walkdir.Entry]{
				All: func(ctx context.Context) iter.Seq2[walkdir.Entry, error] { return walkdir.Dir(ctx, dir, opts("")) },
				Stream: func(ctx context.Context) (<-chan walkdir.Entry, func() error) {
					return walkdir.DirStream(ctx, dir, opts(""))
				},
				Want:   want,
				Equal:  samePath,
				Cursor: walkdir.Entry.Cursor,
				After: func(ctx context.Context, c string) iter.Seq2[walkdir.Entry, error] {
					return walkdir.Dir(ctx, dir, opts(c))
				},
			}, nil)
		})
	}
}
