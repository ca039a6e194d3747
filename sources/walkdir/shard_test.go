package walkdir_test

import (
	"context"
	"fmt"
	"io/fs"
	"iter"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/walkdir"
)

// hugeDirTree returns the skewed tree of issue 15: one directory of
// 3,000 files, below two others, and a few small directories beside it.
// It is made once for the tests that read it, none of which write it,
// and removed when they all have run (TestMain).
func hugeDirTree(t *testing.T) string {
	root, err := hugeDir()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

var hugeDir = sync.OnceValues(func() (string, error) {
	root, err := os.MkdirTemp("", "walkdir-hugedir")
	if err != nil {
		return "", err
	}
	for _, name := range []string{"a/b/c", "a/d", "m/aa", "m/small/x", "z/y/w"} {
		if err := writeFile(root, name); err != nil {
			return root, err
		}
	}
	for i := range 3000 {
		if err := writeFile(root, fmt.Sprintf("m/big/f%04d", i)); err != nil {
			return root, err
		}
	}
	return root, nil
})

// removeHugeDirTree removes the tree of hugeDirTree, if it was made.
func removeHugeDirTree() {
	if root, _ := hugeDir(); root != "" {
		os.RemoveAll(root)
	}
}

func writeFile(root, name string) error {
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, nil, 0o644)
}

// chainTree is a deep, narrow tree: depth nested directories, a file in
// each.
func chainTree(t *testing.T, depth int) string {
	var names []string
	for i := range depth {
		names = append(names, strings.Repeat("d/", i)+"f")
	}
	return tree(t, names...)
}

// dirEntries returns what Dir yields for root: the reference of every
// test of the shards.
func dirEntries(t testing.TB, root string, o *walkdir.Options) []walkdir.Entry {
	t.Helper()
	var out []walkdir.Entry
	for e, err := range walkdir.Dir(t.Context(), root, o) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// readShard opens sh and returns its paths and the error it ended with.
func readShard(ctx context.Context, s *walkdir.Sharder, sh shard.Shard) ([]string, error) {
	r, err := s.Open(sh)
	if err != nil {
		return nil, err
	}
	return collect(r.All(ctx))
}

// walkPos compares two positions as the test sees the walk: the names
// from root, one by one; "." before all.
func walkPos(a, b string) int {
	split := func(p string) []string {
		if p == "." || p == "" {
			return nil
		}
		return strings.Split(p, string(filepath.Separator))
	}
	return slices.Compare(split(a), split(b))
}

// inShard returns the entries of want whose positions below root lie in
// [start, end), by the test's own reckoning.
func inShard(root string, want []walkdir.Entry, start, end string) []walkdir.Entry {
	var out []walkdir.Entry
	for _, e := range want {
		p, _ := filepath.Rel(root, e.Path)
		if walkPos(p, start) >= 0 && (end == "" || walkPos(p, end) < 0) {
			out = append(out, e)
		}
	}
	return out
}

// badShards are shards of root that Open must refuse: one for each way
// Open refuses a shard.
func badShards(root string) []shard.Shard {
	src := "walkdir:" + filepath.Clean(root)
	return []shard.Shard{
		{Source: "walkdir:" + filepath.Clean(root) + "x"},
		{Source: "s3list:bucket/"},
		{Source: src, Start: "../x"},
		{Source: src, Start: "/a"},
		{Source: src, End: "a//b"},
		{Source: src, End: "a/"},
		{Source: src, Start: "a/./b"},
		{Source: src, Start: "a\x00b"},
		{Source: src, Start: "b", End: "a"},
		{Source: src, Start: "a/b", End: "a"},
		{Source: src, Cursor: "a"},
		{Source: src, Cursor: "v2:" + root},
		{Source: src, Cursor: "v1:" + filepath.Dir(root)},
		{Source: src, Start: "b", Cursor: walkdir.Entry{Path: filepath.Join(root, "a")}.Cursor()},
		{Source: src, Start: "b", Cursor: walkdir.Entry{Path: root}.Cursor()},
		{Source: src, End: "b", Cursor: walkdir.Entry{Path: filepath.Join(root, "b")}.Cursor()},
	}
}

// shardTrees are the real trees TestShards and TestShardsEven cut: an
// ordinary one, the skewed one (one huge directory) and a deep chain.
var shardTrees = []struct {
	name string
	make func(t *testing.T) string
}{
	{"Tree", func(t *testing.T) string { return tree(t, randomNames(rand.New(rand.NewPCG(15, 1)), 300)...) }},
	{"HugeDir", hugeDirTree},
	{"Chain", func(t *testing.T) string { return chainTree(t, 80) }},
}

// TestShards runs the shard checks on Dir's walk of the shardTrees.
func TestShards(t *testing.T) {
	for _, tc := range shardTrees {
		t.Run(tc.name, func(t *testing.T) {
			root := tc.make(t)
			s, err := walkdir.NewSharder(root, nil)
			if err != nil {
				t.Fatal(err)
			}
			conformance.TestShards(t, conformance.Shards[walkdir.Entry]{
				Source:    s,
				Want:      dirEntries(t, root, nil),
				Cursor:    walkdir.Entry.Cursor,
				Equal:     sameEntry,
				BadShards: badShards(root),
			}, nil)
		})
	}
}

// TestShardsEven checks that Split cuts about even shards of the
// shardTrees: the huge directory among its files, the chain between its
// levels.
func TestShardsEven(t *testing.T) {
	for _, tc := range shardTrees {
		t.Run(tc.name, func(t *testing.T) {
			root := tc.make(t)
			total := len(dirEntries(t, root, nil))
			s, err := walkdir.NewSharder(root, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []int{2, 5, 16} {
				shards, err := s.Split(t.Context(), n)
				if err != nil {
					t.Fatal(err)
				}
				var sizes []int
				for _, sh := range shards {
					got, err := readShard(t.Context(), s, sh)
					if err != nil {
						t.Fatal(err)
					}
					sizes = append(sizes, len(got))
				}
				mean := float64(total) / float64(n)
				if len(shards) != n || float64(slices.Max(sizes)) > 1.5*mean+1 || float64(slices.Min(sizes)) < 0.5*mean-1 {
					t.Errorf("Split(%d) of %d entries: shard sizes %v; want %d shards of about %.0f", n, total, sizes, n, mean)
				}
			}
			// A reader keeps about what it is asked to, of what it has
			// not read: here, after a tenth of the tree.
			for _, keep := range []float64{0.25, 0.5, 0.75} {
				sh, _ := s.Split(t.Context(), 1)
				r, err := s.Open(sh[0])
				if err != nil {
					t.Fatal(err)
				}
				next, stop := iter.Pull2(r.All(t.Context()))
				for range total / 10 {
					next()
				}
				res, err := r.Split(t.Context(), keep)
				if err != nil {
					t.Fatal(err)
				}
				kept := total / 10
				for _, err, ok := next(); ok && err == nil; _, err, ok = next() {
					kept++
				}
				stop()
				rest, err := readShard(t.Context(), s, res)
				if err != nil || kept+len(rest) != total {
					t.Fatalf("Split(%v): %d kept and %d given away, %v; want %d in all", keep, kept, len(rest), err, total)
				}
				if got := float64(kept-total/10) / float64(total-total/10); math.Abs(got-keep) > 0.15 {
					t.Errorf("Split(%v) after %d of %d entries kept %.2f of the rest", keep, total/10, total, got)
				}
			}
		})
	}
}

// TestShardReaderConformance runs the suite on the reader of a shard of
// Dir's walk: the middle one of three, so that it starts inside the tree
// and ends before its end.
func TestShardReaderConformance(t *testing.T) {
	root := tree(t, randomNames(rand.New(rand.NewPCG(15, 2)), 120)...)
	s, err := walkdir.NewSharder(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	shards, err := s.Split(t.Context(), 3)
	if err != nil || len(shards) != 3 {
		t.Fatalf("Split(3) = %v, %v", shards, err)
	}
	sh := shards[1]
	full := dirEntries(t, root, nil)
	want := inShard(root, full, sh.Start, sh.End)
	if len(want) < 10 {
		t.Fatalf("the middle shard %v holds %d entries; want a few more", sh, len(want))
	}
	open := func(sh shard.Shard) shard.Reader[walkdir.Entry] {
		r, err := s.Open(sh)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	at := func(ctx context.Context, c string) iter.Seq2[walkdir.Entry, error] {
		with := sh
		with.Cursor = c
		r, err := s.Open(with)
		if err != nil {
			return sluice.Fail[walkdir.Entry](err)
		}
		return r.All(ctx)
	}
	conformance.Test(t, conformance.Source[walkdir.Entry]{
		All: func(ctx context.Context) iter.Seq2[walkdir.Entry, error] { return open(sh).All(ctx) },
		Stream: func(ctx context.Context) (<-chan walkdir.Entry, func() error) {
			return shard.Stream(ctx, open(sh), nil)
		},
		Want:      want,
		SingleUse: true,
		Equal:     sameEntry,
		Cursor:    walkdir.Entry.Cursor,
		After:     at,
		BadCursors: []string{
			"x",
			"v2:" + want[0].Path,
			full[0].Cursor(),           // root: before the shard
			full[1].Cursor(),           // before the shard
			full[len(full)-1].Cursor(), // after it
			"v1:" + filepath.Join(root, "..", "x"),
		},
	}, nil)
}

// fsShard is the shard of conformanceTree that TestShardReaderFaults
// reads: it starts two directories down, so the walk prunes its way
// there, and ends after an empty directory, so a read can fail after
// its last entry.
var fsShard = shard.Shard{Source: "walkdir:.", Start: "a/b/d", End: "b/g.txt"}

// TestShardReaderFaults runs the suite on the reader of a shard of All's
// walk of an fs.FS, read by the same code as Dir's: there a read can be
// made to fail or stall, and open files counted.
func TestShardReaderFaults(t *testing.T) {
	full := walkDirPaths(t, conformanceTree(), ".")
	want := inShard(".", full, fsShard.Start, fsShard.End)
	if got := strings.Join(paths(want), " "); got != "a/b/d a/b/d/e.txt a/f.txt a.txt b b/empty" {
		t.Fatalf("the shard holds %s", got)
	}
	reader := func(fsys fs.FS, o *walkdir.Options, sh shard.Shard) (shard.Reader[walkdir.Entry], error) {
		s, err := walkdir.NewFSSharder(fsys, ".", o)
		if err != nil {
			return nil, err
		}
		return s.Open(sh)
	}
	seq := func(fsys fs.FS, o *walkdir.Options, sh shard.Shard) func(ctx context.Context) iter.Seq2[walkdir.Entry, error] {
		return func(ctx context.Context) iter.Seq2[walkdir.Entry, error] {
			r, err := reader(fsys, o, sh)
			if err != nil {
				return sluice.Fail[walkdir.Entry](err)
			}
			return r.All(ctx)
		}
	}
	stream := func(ctx context.Context, fsys fs.FS, o *walkdir.Options, sh shard.Shard) (<-chan walkdir.Entry, func() error) {
		r, err := reader(fsys, o, sh)
		if err != nil {
			return sluice.FailedStream[walkdir.Entry](err)
		}
		return shard.Stream(ctx, r, nil)
	}
	fsys := &countFS{fsys: conformanceTree()}
	fail := func(n int, err error) (fs.FS, *walkdir.Options) {
		fsys, _, o := failAfter(want, n, err, walkdir.Options{})
		return fsys, o
	}
	// A shard of chain(64) from d/d: its walk prunes its way through the
	// first two levels, yields n entries and stalls reading the next,
	// until the context the walk runs with is done.
	stall := func(ctx context.Context, n int) iter.Seq2[walkdir.Entry, error] {
		trap := &trapFS{FS: chain(64), trap: ".", stat: true, ctx: ctx}
		if n > 0 {
			trap.trap, trap.stat = strings.TrimSuffix(strings.Repeat("d/", n+1), "/"), false
		}
		return seq(trap, nil, shard.Shard{Source: "walkdir:.", Start: "d/d"})(ctx)
	}
	conformance.Test(t, conformance.Source[walkdir.Entry]{
		All: seq(fsys, nil, fsShard),
		Stream: func(ctx context.Context) (<-chan walkdir.Entry, func() error) {
			return stream(ctx, fsys, nil, fsShard)
		},
		Want:      want,
		SingleUse: true,
		Equal:     sameEntry,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[walkdir.Entry, error] {
			fsys, o := fail(n, err)
			return seq(fsys, o, fsShard)(ctx)
		},
		StreamFail: func(ctx context.Context, n int, err error) (<-chan walkdir.Entry, func() error) {
			fsys, o := fail(n, err)
			return stream(ctx, fsys, o, fsShard)
		},
		Stall: stall,
		StreamStall: func(ctx context.Context, n int) (<-chan walkdir.Entry, func() error) {
			// The stall fs must see the stream's own context, which
			// shard.Stream gives All: a reader that makes it then.
			return shard.Stream(ctx, ctxReader(func(ctx context.Context) iter.Seq2[walkdir.Entry, error] { return stall(ctx, n) }), nil)
		},
		Cursor: walkdir.Entry.Cursor,
		After: func(ctx context.Context, c string) iter.Seq2[walkdir.Entry, error] {
			sh := fsShard
			sh.Cursor = c
			return seq(fsys, nil, sh)(ctx)
		},
		BadCursors: append(slices.Clone(badCursors), "v1:a", "v1:b/g.txt", "v1:z.txt"),
		Open:       func() int { return int(fsys.open.Load()) },
	}, nil)
}

// ctxReader is a shard.Reader whose All builds its iterator with the
// context it is given: what a stall needs to end when shard.Stream's
// stop cancels it.
type ctxReader func(ctx context.Context) iter.Seq2[walkdir.Entry, error]

func (f ctxReader) All(ctx context.Context) iter.Seq2[walkdir.Entry, error] { return f(ctx) }

func (ctxReader) Split(context.Context, float64) (shard.Shard, error) {
	return shard.Shard{}, shard.ErrNoSplit
}

func (ctxReader) Shard() shard.Shard { return shard.Shard{} }

// readAll reads each shard in turn and returns their paths, one after the
// other, and the errors they ended with, by shard.
func readAll(t *testing.T, s *walkdir.Sharder, shards []shard.Shard) ([]string, []error) {
	t.Helper()
	var got []string
	var errs []error
	for _, sh := range shards {
		ps, err := readShard(t.Context(), s, sh)
		got = append(got, ps...)
		errs = append(errs, err)
	}
	return got, errs
}
