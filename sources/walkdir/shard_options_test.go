package walkdir_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

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
