package walkdir_test

import (
	"context"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/sources/walkdir"
	"github.com/sluice-go/sluice/sources/walkdir/internal/benchtree"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		benchtree.Remove()
		removeHugeDirTree()
		os.Exit(code)
	}))
}

// fixture returns a small tree whose walk order differs from the sorted
// order of its paths ("a/b" comes before "a.txt" in a walk).
func fixture() fstest.MapFS {
	return fstest.MapFS{
		"a/b/c.txt":     {Data: []byte("c")},
		"a/b/d/e.txt":   {Data: []byte("e")},
		"a/f.txt":       {Data: []byte("f")},
		"a.txt":         {Data: []byte("a")},
		"b/empty":       {Mode: fs.ModeDir},
		"b/g.txt":       {Data: []byte("g")},
		"c/h/i/j/k.txt": {Data: []byte("k")},
		"c/l.txt":       {Data: []byte("l")},
		"z.txt":         {Data: []byte("z")},
	}
}

// countFS hides the ReadDirFS and StatFS of the fs it wraps, so that every
// read opens the directory, and counts the files open and the
// directories read.
type countFS struct {
	fsys  fs.FS
	open  atomic.Int64
	mu    sync.Mutex
	reads []string
}

func (c *countFS) Open(name string) (fs.File, error) {
	f, err := c.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	c.open.Add(1)
	return &countFile{File: f, c: c, name: name}, nil
}

func (c *countFS) readDirs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reads)
}

type countFile struct {
	fs.File
	c    *countFS
	name string
}

func (f *countFile) Close() error {
	f.c.open.Add(-1)
	return f.File.Close()
}

func (f *countFile) ReadDir(n int) ([]fs.DirEntry, error) {
	f.c.mu.Lock()
	f.c.reads = append(f.c.reads, f.name)
	f.c.mu.Unlock()
	return f.File.(fs.ReadDirFile).ReadDir(n)
}

// trapFS fails, or with a ctx blocks until ctx is done, when the walk
// opens the path trap (to read it) or, with stat, stats it. With cancel,
// it cancels the walk first and then fails with err, as a read cut short
// by a cancellation fails with its own error.
type trapFS struct {
	fs.FS
	trap   string
	stat   bool
	err    error
	ctx    context.Context
	cancel context.CancelFunc
}

func (t *trapFS) spring(op, name string) error {
	err := t.err
	if t.cancel != nil {
		t.cancel()
	}
	if t.ctx != nil {
		<-t.ctx.Done()
		err = t.ctx.Err()
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}

func (t *trapFS) Open(name string) (fs.File, error) {
	if name == t.trap && !t.stat {
		return nil, t.spring("open", name)
	}
	return t.FS.Open(name)
}

func (t *trapFS) Stat(name string) (fs.FileInfo, error) {
	if name == t.trap && t.stat {
		return nil, t.spring("stat", name)
	}
	return fs.Stat(t.FS, name)
}

// chain is a tree of nested directories "d/d/…/d", deep levels down.
func chain(deep int) fstest.MapFS {
	return fstest.MapFS{strings.Repeat("d/", deep-1) + "d": {Mode: fs.ModeDir}}
}

// chainTrap returns chain(64) with a trap on the directory whose walk
// yields n entries before the trap: root for 0, else the directory at
// depth n-1, whose ReadDir is trapped after it is yielded.
func chainTrap(n int, err error, ctx context.Context) fs.FS {
	trap := "."
	if n > 0 {
		trap = path.Clean(strings.Repeat("d/", n-1) + ".")
	}
	return &trapFS{FS: chain(64), trap: trap, stat: n == 0, err: err, ctx: ctx}
}

// walkDirPaths is what fs.WalkDir gives for the tree: the reference.
func walkDirPaths(t testing.TB, fsys fs.FS, root string) []walkdir.Entry {
	var out []walkdir.Entry
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out = append(out, walkdir.Entry{Path: p, DirEntry: d, Depth: depth(root, p)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func depth(root, p string) int {
	if p == root {
		return 0
	}
	rel := strings.TrimPrefix(p, strings.TrimSuffix(root, "/")+"/")
	if root == "." {
		rel = p
	}
	return strings.Count(rel, "/") + 1
}

// sameEntry compares what a walk says of an entry, not the identity of
// its DirEntry.
func sameEntry(a, b walkdir.Entry) bool {
	if a.DirEntry == nil || b.DirEntry == nil {
		return a.DirEntry == b.DirEntry && a.Path == b.Path && a.Depth == b.Depth
	}
	return a.Path == b.Path && a.Depth == b.Depth && a.Name() == b.Name() &&
		a.IsDir() == b.IsDir() && a.Type() == b.Type()
}

func paths(es []walkdir.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Path
	}
	return out
}

// collect ranges seq and returns the paths and the error.
func collect(seq func(func(walkdir.Entry, error) bool)) ([]string, error) {
	var out []string
	for e, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, e.Path)
	}
	return out, nil
}
