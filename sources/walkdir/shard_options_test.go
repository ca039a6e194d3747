package walkdir_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"math"
	"os"
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

// TestShardsFilter checks a Filter inside shards: one that answers only
// nil, sluice.Skip and, for directories, fs.SkipDir gives the shards,
// together, exactly what it gives Dir; it sees no entry after a shard's
// End, nor before its Start but the directories on the way to it; and an
// fs.SkipAll ends only the shard it is answered in.
func TestShardsFilter(t *testing.T) {
	root := tree(t, "a/b/c", "a/b/d", "a/e", "a.tmp", "b/s/x", "b/s/y", "b/t", "c/d/e/f", "c/g.tmp", "s/x", "z")
	pos := func(e walkdir.Entry) string { p, _ := filepath.Rel(root, e.Path); return p }
	filter := func(e walkdir.Entry) error {
		switch base := filepath.Base(e.Path); {
		case e.IsDir() && base == "s":
			return fs.SkipDir
		case strings.HasSuffix(base, ".tmp"), base == "b":
			return sluice.Skip
		}
		return nil
	}
	want := paths(dirEntries(t, root, &walkdir.Options{Filter: filter}))
	for n := 1; n <= 8; n++ {
		var mu sync.Mutex
		var seen []string
		o := &walkdir.Options{Filter: func(e walkdir.Entry) error {
			mu.Lock()
			seen = append(seen, pos(e))
			mu.Unlock()
			return filter(e)
		}}
		s, err := walkdir.NewSharder(root, o)
		if err != nil {
			t.Fatal(err)
		}
		shards, err := s.Split(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, sh := range shards {
			seen = nil
			ps, err := readShard(t.Context(), s, sh)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ps...)
			for _, p := range seen {
				start, end := cmp(sh.Start, "."), sh.End
				onWay := walkPos(p, start) < 0 && strings.HasPrefix(start+"/", p+"/") || p == "."
				if (walkPos(p, start) < 0 && !onWay) || (end != "" && walkPos(p, end) >= 0) {
					t.Errorf("Split(%d): shard [%q, %q) asked the Filter about %q", n, sh.Start, sh.End, p)
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("Split(%d), filtered: %q\nwant %q", n, rel(root, got), rel(root, want))
		}
	}

	// fs.SkipAll at c/d ends its shard there, and no other.
	s, err := walkdir.NewSharder(root, &walkdir.Options{Filter: func(e walkdir.Entry) error {
		if pos(e) == "c/d" {
			return fs.SkipAll
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	shards := []shard.Shard{{Source: "walkdir:" + root, End: "b/t"}, {Source: "walkdir:" + root, Start: "b/t", End: "c/g.tmp"}, {Source: "walkdir:" + root, Start: "c/g.tmp"}}
	got, errs := readAll(t, s, shards)
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	all := rel(root, paths(dirEntries(t, root, nil)))
	i, j := slices.Index(all, "c/d"), slices.Index(all, "c/g.tmp")
	if want := slices.Concat(all[:i], all[j:]); !slices.Equal(rel(root, got), want) {
		t.Errorf("SkipAll at c/d, in the middle shard:\n got %q\nwant %q", rel(root, got), want)
	}
}

func cmp(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

// TestShardsMaxDepth checks that Split cuts only within MaxDepth and the
// shards hold what Dir yields with it.
func TestShardsMaxDepth(t *testing.T) {
	root := hugeDirTree(t)
	for _, depth := range []int{1, 2, 3} {
		o := &walkdir.Options{MaxDepth: depth}
		want := paths(dirEntries(t, root, o))
		s, err := walkdir.NewSharder(root, o)
		if err != nil {
			t.Fatal(err)
		}
		shards, err := s.Split(t.Context(), 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, sh := range shards {
			if sh.Start != "" && strings.Count(sh.Start, "/")+1 > depth {
				t.Errorf("MaxDepth=%d: a cut at %q, below it", depth, sh.Start)
			}
		}
		got, errs := readAll(t, s, shards)
		if err := errors.Join(errs...); err != nil || !slices.Equal(got, want) {
			t.Errorf("MaxDepth=%d: %d entries, %v; want %d", depth, len(got), err, len(want))
		}
		if depth == 3 && len(shards) != 4 {
			t.Errorf("MaxDepth=3: %d shards, want 4 (the big directory is within reach)", len(shards))
		}
	}
}

// TestShardsSymlinkLoop follows symbolic links in shards: Split does not
// loop, the shard that holds the loop reports it to OnError, and the
// shards together are Dir's walk.
func TestShardsSymlinkLoop(t *testing.T) {
	root := tree(t, "a/x", "b/y", "c/z")
	if err := os.Symlink("..", filepath.Join(root, "a", "up")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if err := os.Symlink("../b", filepath.Join(root, "a", "tob")); err != nil {
		t.Fatal(err)
	}
	var loops []string
	var mu sync.Mutex
	o := &walkdir.Options{FollowSymlinks: true, OnError: func(p string, err error) error {
		if !errors.Is(err, walkdir.ErrLoop) {
			return err
		}
		mu.Lock()
		loops = append(loops, p)
		mu.Unlock()
		return nil
	}}
	want := paths(dirEntries(t, root, o))
	if !slices.Contains(rel(root, want), "a/tob/y") {
		t.Fatalf("Dir did not follow a/tob: %q", rel(root, want))
	}
	for n := 1; n <= 6; n++ {
		loops = nil
		s, err := walkdir.NewSharder(root, o)
		if err != nil {
			t.Fatal(err)
		}
		shards, err := s.Split(t.Context(), n)
		if err != nil {
			t.Fatal(err)
		}
		got, errs := readAll(t, s, shards)
		if err := errors.Join(errs...); err != nil || !slices.Equal(got, want) || len(loops) != 1 {
			t.Errorf("Split(%d): %q, %v, loops %q; want %q and one loop", n, rel(root, got), err, loops, rel(root, want))
		}
	}
	// Without OnError, the loop ends the shard that holds it, and only it.
	s, err := walkdir.NewSharder(root, &walkdir.Options{FollowSymlinks: true})
	if err != nil {
		t.Fatal(err)
	}
	src := "walkdir:" + root
	_, errs := readAll(t, s, []shard.Shard{{Source: src, End: "a/up"}, {Source: src, Start: "a/up", End: "a/x"}, {Source: src, Start: "a/x"}})
	if errs[0] != nil || !errors.Is(errs[1], walkdir.ErrLoop) || errs[2] != nil {
		t.Errorf("the shards before, at and after the loop ended with %v; want nil, ErrLoop, nil", errs)
	}
}

// TestShardStartPrunes checks that a shard's reader reads no directory
// before its Start but those on the way to it, and none at or after its
// End.
func TestShardStartPrunes(t *testing.T) {
	c := &countFS{fsys: fixture()}
	s, err := walkdir.NewFSSharder(c, ".", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := readShard(t.Context(), s, shard.Shard{Source: "walkdir:.", Start: "a/b/d/e.txt", End: "c/h/i"})
	if want := "a/b/d/e.txt a/f.txt a.txt b b/empty b/g.txt c c/h"; err != nil || strings.Join(got, " ") != want {
		t.Errorf("got %q, %v; want %s", got, err, want)
	}
	if reads, want := c.readDirs(), []string{".", "a", "a/b", "a/b/d", "b", "b/empty", "c", "c/h"}; !slices.Equal(reads, want) {
		t.Errorf("read %q, want %q", reads, want)
	}
}

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

// TestSharderInvalid checks what NewSharder, Split, Open, a reader's
// Split and a second range refuse, each with an error that says why.
func TestSharderInvalid(t *testing.T) {
	root := tree(t, "a/x", "b")
	for _, tc := range []struct {
		name string
		root string
		opts *walkdir.Options
		want string
	}{
		{"empty root", "", nil, "walkdir: NewSharder: root is empty"},
		{"After", root, &walkdir.Options{After: "v1:" + root + "/a"}, `walkdir: NewSharder: Options.After is "v1:` + root + `/a"; want "": a shard carries its own cursor (shard.Shard.Cursor)`},
		{"Workers", root, &walkdir.Options{Workers: 4}, "walkdir: NewSharder: Options.Workers is 4; want 0 or 1: a shard's reader reads one directory at a time (run more shards at once instead)"},
		{"MaxDepth", root, &walkdir.Options{MaxDepth: -1}, "walkdir: Options.MaxDepth is -1; want 0 or more"},
	} {
		s, err := walkdir.NewSharder(tc.root, tc.opts)
		if err == nil || err.Error() != tc.want || s != nil {
			t.Errorf("%s: NewSharder = %v, %v; want %q", tc.name, s, err, tc.want)
		}
	}
	s, err := walkdir.NewSharder(root, &walkdir.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, -1} {
		if _, err := s.Split(t.Context(), n); err == nil || err.Error() != fmt.Sprintf("walkdir: Split(%d): want 1 or more shards", n) {
			t.Errorf("Split(%d) = %v", n, err)
		}
	}
	missing, err := walkdir.NewSharder(filepath.Join(root, "missing"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := missing.Split(t.Context(), 2); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Split of a missing root = %v, want fs.ErrNotExist", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Split(ctx, 2); !errors.Is(err, context.Canceled) {
		t.Errorf("Split with a canceled context = %v, want context.Canceled", err)
	}
	for _, sh := range badShards(root) {
		_, err := s.Open(sh)
		if !errors.Is(err, shard.ErrBadShard) || !strings.HasPrefix(err.Error(), "shard: bad shard v1:") {
			t.Errorf("Open(%+v) = %v, want shard.ErrBadShard naming the shard", sh, err)
		}
	}
	r, err := s.Open(shard.Shard{Source: "walkdir:" + root})
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []float64{-0.1, 1, math.NaN()} {
		if _, err := r.Split(t.Context(), keep); err == nil || errors.Is(err, shard.ErrNoSplit) {
			t.Errorf("Split(%v) = %v, want an error about keep", keep, err)
		}
	}
	if _, err := r.Split(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("a reader's Split with a canceled context = %v, want context.Canceled", err)
	}
	seq := r.All(t.Context())
	if got, err := collect(seq); err != nil || len(got) != 4 {
		t.Errorf("All = %q, %v", got, err)
	}
	if got, err := collect(seq); !errors.Is(err, sluice.ErrReused) || len(got) != 0 {
		t.Errorf("All ranged again = %q, %v; want sluice.ErrReused", got, err)
	}
}

// TestShardsRootSpelling splits the same tree named in different ways:
// the positions are below root however it is spelled, and the shards
// hold what Dir yields for that spelling.
func TestShardsRootSpelling(t *testing.T) {
	root := tree(t, "a/b/c", "a/d", "b", "c/x/y")
	t.Chdir(filepath.Dir(root))
	base := filepath.Base(root)
	for _, spelling := range []string{root, root + "/", root + "//./", base, "./" + base + "/", base + "/../" + base} {
		s, err := walkdir.NewSharder(spelling, nil)
		if err != nil {
			t.Fatal(err)
		}
		shards, err := s.Split(t.Context(), 3)
		if err != nil || len(shards) != 3 || shards[0].Source != "walkdir:"+filepath.Clean(spelling) {
			t.Fatalf("%q: Split(3) = %v, %v", spelling, shards, err)
		}
		if shards[1].Start != "a/b/c" || shards[2].Start != "c" {
			t.Errorf("%q: cuts at %q and %q, want a/b/c and c", spelling, shards[1].Start, shards[2].Start)
		}
		got, errs := readAll(t, s, shards)
		if want := paths(dirEntries(t, spelling, nil)); errors.Join(errs...) != nil || !slices.Equal(got, want) {
			t.Errorf("%q: %q, %v; want %q", spelling, got, errs, want)
		}
	}
	t.Chdir(root)
	s, err := walkdir.NewSharder(".", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, errs := readAll(t, s, []shard.Shard{{Source: "walkdir:.", End: "a/d"}, {Source: "walkdir:.", Start: "a/d"}})
	if want := []string{".", "a", "a/b", "a/b/c", "a/d", "b", "c", "c/x", "c/x/y"}; errors.Join(errs...) != nil || !slices.Equal(got, want) {
		t.Errorf(`".": %q, %v; want %q`, got, errs, want)
	}
}
