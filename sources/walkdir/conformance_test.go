package walkdir_test

import (
	"context"
	"io/fs"
	"iter"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/sources/walkdir"
)

// TestConformance runs the suite on All and Stream, reading one
// directory at a time and with read-ahead workers, unbuffered and
// buffered.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  walkdir.Options
		sopts *sluice.StreamOptions
	}{
		{"Sequential", walkdir.Options{}, nil},
		{"Workers=4", walkdir.Options{Workers: 4}, nil},
		{"Workers=2/Buffer=8", walkdir.Options{Workers: 2}, &sluice.StreamOptions{Buffer: 8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conformance.Test(t, source(t, tc.opts, tc.sopts), nil)
		})
	}
}

// badCursors are cursors that a walk of "." must refuse: each takes one
// of the ways decodeCursor refuses a cursor.
var badCursors = []string{
	"a/b",       // no version
	"v2:a",      // another version
	"V1:a",      // the version is not case-folded
	"v1:",       // no path
	"v1:../x",   // outside the root
	"v1:/a",     // absolute
	"v1:a//b",   // not clean
	"v1:./a",    // not clean
	"v1:a/",     // not clean
	"v1:a\x00b", // NUL
	"v1:\xff",   // not UTF-8, which no fs.FS path is
}

func source(t *testing.T, opts walkdir.Options, sopts *sluice.StreamOptions) conformance.Source[walkdir.Entry] {
	fsys := &countFS{fsys: conformanceTree()}
	want := walkDirPaths(t, conformanceTree(), ".")
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
			return walkdir.Stream(ctx, fsys, ".", with(""), sopts)
		},
		Want:  want,
		Equal: sameEntry,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[walkdir.Entry, error] {
			fsys, root, o := failAfter(want, n, err, opts)
			return walkdir.All(ctx, fsys, root, o)
		},
		StreamFail: func(ctx context.Context, n int, err error) (<-chan walkdir.Entry, func() error) {
			fsys, root, o := failAfter(want, n, err, opts)
			return walkdir.Stream(ctx, fsys, root, o, sopts)
		},
		Stall: stalled,
		StreamStall: func(ctx context.Context, n int) (<-chan walkdir.Entry, func() error) {
			return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[walkdir.Entry, error] {
				return stalled(ctx, n)
			}, sopts)
		},
		Cursor: walkdir.Entry.Cursor,
		After: func(ctx context.Context, c string) iter.Seq2[walkdir.Entry, error] {
			return walkdir.All(ctx, fsys, ".", with(c))
		},
		BadCursors: badCursors,
		Open:       func() int { return int(fsys.open.Load()) },
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
					return walkdir.DirStream(ctx, dir, opts(""), nil)
				},
				Want:   want,
				Equal:  samePath,
				Cursor: walkdir.Entry.Cursor,
				After: func(ctx context.Context, c string) iter.Seq2[walkdir.Entry, error] {
					return walkdir.Dir(ctx, dir, opts(c))
				},
				BadCursors: []string{
					"x",                       // no version
					"v2:" + dir,               // another version
					"v1:" + filepath.Dir(dir), // the parent of the root
					"v1:" + dir + "x/a",       // a sibling whose name starts with the root's
					"v1:" + dir + "/../x",     // leaves the root
					"v1:a.txt",                // relative, where the walk's paths are not
					"v1:" + dir + "/a\x00",    // NUL
				},
			}, nil)
		})
	}
}

// conformanceTree is fixture() with an empty directory last, so that a
// read can fail after the last entry of the walk too.
func conformanceTree() fstest.MapFS {
	m := fixture()
	m["zz"] = &fstest.MapFile{Mode: fs.ModeDir}
	return m
}

// failAfter returns the arguments of a walk of conformanceTree that
// yields exactly want[:n], its first n entries, and then fails with err:
// the stat of root fails, or the read of the directory want[n-1], or,
// where want[n-1] is a file, Filter answers err for want[n].
func failAfter(want []walkdir.Entry, n int, err error, opts walkdir.Options) (fs.FS, string, *walkdir.Options) {
	switch {
	case n == 0:
		return &trapFS{FS: conformanceTree(), trap: ".", stat: true, err: err}, ".", &opts
	case want[n-1].IsDir():
		return &trapFS{FS: conformanceTree(), trap: want[n-1].Path, err: err}, ".", &opts
	}
	opts.Filter = skipAt(want[n].Path, err)
	return conformanceTree(), ".", &opts
}
