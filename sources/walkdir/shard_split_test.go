package walkdir_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/walkdir"
)

// TestShardSplitStopsHiddenWalk narrows a reader below entries it has
// already filtered, hidden by the Filter (sluice.Skip) and so walked
// without being yielded: the walk must not go on reading them.
func TestShardSplitStopsHiddenWalk(t *testing.T) {
	c := &countFS{fsys: fixture()}
	s, err := walkdir.NewFSSharder(c, ".", &walkdir.Options{Filter: func(e walkdir.Entry) error {
		if e.Path == "a" {
			return nil
		}
		return sluice.Skip
	}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Open(shard.Shard{Source: "walkdir:."})
	if err != nil {
		t.Fatal(err)
	}
	next, stop := iter.Pull2(r.All(t.Context()))
	defer stop()
	if e, err, _ := next(); err != nil || e.Path != "a" {
		t.Fatalf("first entry %q, %v; want a", e.Path, err)
	}
	res, err := r.Split(t.Context(), 0)
	if err != nil || res.Start != "a/b" {
		t.Fatalf("Split(0) after a = %v, %v; want a residual from a/b", res, err)
	}
	if e, err, ok := next(); ok {
		t.Errorf("after the split: %q, %v; want the end", e.Path, err)
	}
	if reads := c.readDirs(); slices.ContainsFunc(reads, func(p string) bool { return p == "b" || strings.HasPrefix(p, "c") }) {
		t.Errorf("read %q: the walk went on past the split", reads)
	}
}

// TestSplitReadsBounded splits a tree of more directories than Split
// reads: it reads no more than its bound, estimates the rest, and the
// shards still cover the tree exactly.
func TestSplitReadsBounded(t *testing.T) {
	g := &wideFS{}
	s, err := walkdir.NewFSSharder(g, ".", nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	shards, err := s.Split(t.Context(), n)
	if err != nil {
		t.Fatal(err)
	}
	if reads, most := g.reads, 1024+64*n+1; reads > most {
		t.Errorf("Split(%d) read %d directories, want at most %d", n, reads, most)
	}
	want := paths(walkDirPaths(t, g, "."))
	got, errs := readAll(t, s, shards)
	if err := errors.Join(errs...); err != nil || !slices.Equal(got, want) {
		t.Fatalf("%d shards: %d entries, %v; want %d", len(shards), len(got), err, len(want))
	}
	var sizes []int
	for _, sh := range shards {
		ps, _ := readShard(t.Context(), s, sh)
		sizes = append(sizes, len(ps))
	}
	if mean := float64(len(want)) / n; len(shards) != n || float64(slices.Max(sizes)) > 1.25*mean {
		t.Errorf("shard sizes %v of %d entries; want %d of about %.0f", sizes, len(want), n, mean)
	}
}

// wideFS is a tree of 1,641 directories (40 of 40, and root), more than
// a Split reads, with 0 to 7 files in each of the deepest ones; it counts
// the directories read.
type wideFS struct {
	mu    sync.Mutex
	reads int
}

func (*wideFS) Open(string) (fs.File, error) { return nil, fs.ErrInvalid }

func (*wideFS) Stat(name string) (fs.FileInfo, error) {
	return genEntry{filepath.Base(name), !strings.HasPrefix(filepath.Base(name), "f")}, nil
}

func (g *wideFS) ReadDir(name string) ([]fs.DirEntry, error) {
	g.mu.Lock()
	g.reads++
	g.mu.Unlock()
	var out []fs.DirEntry
	depth := strings.Count(name, "/") + 1
	if name == "." {
		depth = 0
	}
	switch depth {
	case 0, 1:
		for i := range 40 {
			out = append(out, genEntry{fmt.Sprintf("d%02d", i), true})
		}
	case 2:
		for i := range int(name[2]+name[5]*3+name[6]*7) % 8 {
			out = append(out, genEntry{fmt.Sprintf("f%d", i), false})
		}
	}
	return out, nil
}

// TestShardSplitWhileRunning splits a reader from another goroutine
// while All runs: continually, keeping most of the rest, and, at every
// 300th entry, while All waits for it, keeping half. The reader and its
// residuals hold its entries exactly.
func TestShardSplitWhileRunning(t *testing.T) {
	root := hugeDirTree(t)
	want := paths(dirEntries(t, root, nil))
	s, err := walkdir.NewSharder(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		r, err := s.Open(shard.Shard{Source: "walkdir:" + root})
		if err != nil {
			t.Fatal(err)
		}
		var residuals []shard.Shard
		split := func(keep float64) bool {
			res, err := r.Split(context.Background(), keep)
			if err != nil {
				if !errors.Is(err, shard.ErrNoSplit) {
					t.Error(err)
				}
				return false
			}
			residuals = append(residuals, res)
			return true
		}
		req, ack, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for {
				select {
				case <-req:
					split(0.5)
					ack <- struct{}{}
				case <-done:
					return
				default:
					if !split(0.8 + 0.05*float64(round)) {
						<-done
						return
					}
				}
			}
		})
		var got []string
		var runErr error
		for e, err := range r.All(t.Context()) {
			if err != nil {
				runErr = err
				break
			}
			if got = append(got, e.Path); len(got)%300 == 0 {
				select {
				case req <- struct{}{}:
					<-ack
				case <-done:
				}
			}
		}
		close(done)
		wg.Wait()
		if runErr != nil {
			t.Fatal(runErr)
		}
		n := len(residuals)
		for i := len(residuals) - 1; i >= 0; i-- {
			ps, err := readShard(t.Context(), s, residuals[i])
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ps...)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: the reader and its %d residuals: %d entries, want %d (first difference at %d)", round, n, len(got), len(want), firstDiff(got, want))
		}
		t.Logf("round %d: %d residuals", round, n)
	}
}

// TestShardSplitOvertaken has All go on, past the entry a Split(0) picks,
// while the Split reads the tree: the Split cuts after where All has
// come to, not behind it.
func TestShardSplitOvertaken(t *testing.T) {
	fsys := &hookFS{MapFS: fixture()}
	s, err := walkdir.NewFSSharder(fsys, ".", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Open(shard.Shard{Source: "walkdir:."})
	if err != nil {
		t.Fatal(err)
	}
	next, stop := iter.Pull2(r.All(t.Context()))
	defer stop()
	var got []string
	pull := func() {
		if e, err, ok := next(); ok && err == nil {
			got = append(got, e.Path)
		}
	}
	for len(got) < 3 { // . a a/b
		pull()
	}
	// The first directory the Split reads lets All yield three more
	// entries: a/b/c.txt, which it picks, a/b/d and a/b/d/e.txt.
	fsys.hook = func() {
		fsys.hook = nil
		for range 3 {
			pull()
		}
	}
	res, err := r.Split(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for len(got) < 20 {
		n := len(got)
		if pull(); len(got) == n {
			break
		}
	}
	rest, err := readShard(t.Context(), s, res)
	if err != nil {
		t.Fatal(err)
	}
	if want := paths(walkDirPaths(t, fixture(), ".")); !slices.Equal(append(got, rest...), want) || res.Start != "a/f.txt" {
		t.Errorf("the reader %q, its residual %v %q; want the residual from a/f.txt, and together %q", got, res, rest, want)
	}
}

// hookFS calls hook, if set, before it reads a directory.
type hookFS struct {
	fstest.MapFS
	hook func()
}

func (h *hookFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if h.hook != nil {
		h.hook()
	}
	return h.MapFS.ReadDir(name)
}

// TestShardSplitAfterBreak splits a reader whose loop broke: it has
// ended, and gives nothing away; its Shard resumes where it stopped.
func TestShardSplitAfterBreak(t *testing.T) {
	s, err := walkdir.NewFSSharder(fixture(), ".", nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Open(shard.Shard{Source: "walkdir:."})
	if err != nil {
		t.Fatal(err)
	}
	for e := range r.All(t.Context()) {
		if e.Path == "a/b" {
			break
		}
	}
	if res, err := r.Split(t.Context(), 0); !errors.Is(err, shard.ErrNoSplit) {
		t.Errorf("Split(0) after the loop broke = %v, %v; want ErrNoSplit", res, err)
	}
	if got := r.Shard(); got != (shard.Shard{Source: "walkdir:.", Cursor: "v1:a/b"}) {
		t.Errorf("Shard() = %+v, want the cursor of a/b", got)
	}
}

// TestShardEmpty reads shards that hold nothing: they yield nothing, and
// have nothing to give away.
func TestShardEmpty(t *testing.T) {
	root := tree(t, "a/x", "b")
	s, err := walkdir.NewSharder(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	src := "walkdir:" + root
	for _, sh := range []shard.Shard{{Source: src, End: "."}, {Source: src, Start: ".", End: "."}, {Source: src, Start: "a", End: "a"}, {Source: src, Start: "c"}} {
		r, err := s.Open(sh)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := r.Split(t.Context(), 0); !errors.Is(err, shard.ErrNoSplit) {
			t.Errorf("%+v: Split(0) before All = %v, %v; want ErrNoSplit", sh, res, err)
		}
		if got, err := collect(r.All(t.Context())); err != nil || len(got) != 0 {
			t.Errorf("%+v: %q, %v; want nothing", sh, got, err)
		}
	}
}
