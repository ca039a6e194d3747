package walkdir_test

import (
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/walkdir"
)

// randomNames returns the names (for tree) of a random tree of about n
// entries whose names sort in the ways that trip a walk's order ("a"
// and "a.b", "a-b", "a/b"), in directories of very different sizes.
func randomNames(rng *rand.Rand, n int) []string {
	dirs := []string{""}
	seen := map[string]bool{}
	var names []string
	const alphabet = "ab-._0Z"
	for len(names) < n {
		parent := dirs[rng.IntN(len(dirs))]
		if rng.IntN(3) == 0 { // crowd the first directories
			parent = dirs[rng.IntN(min(len(dirs), 3))]
		}
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		name := parent + b.String()
		if b.String() == "." || b.String() == ".." || seen[name] {
			continue
		}
		seen[name] = true
		if rng.IntN(3) == 0 {
			dirs = append(dirs, name+"/")
			name += "/"
		}
		names = append(names, name)
	}
	return names
}

// TestShardsCoverRandomTrees is the property of issue 15 on real files:
// for random trees (among them skewed ones: a directory of most of the
// entries, a deep chain), random options and random shard counts, the
// shards of Split, and those a reader gives away while it runs, hold
// exactly the entries of Dir's walk, in its order.
func TestShardsCoverRandomTrees(t *testing.T) {
	for seed := range uint64(10) {
		rng := rand.New(rand.NewPCG(seed, 15))
		names := randomNames(rng, 10+rng.IntN(150))
		switch seed % 3 {
		case 1: // skewed: one directory holds most entries
			big := strings.TrimSuffix(names[rng.IntN(len(names))], "/")
			for i := range 200 + rng.IntN(300) {
				names = append(names, fmt.Sprintf("%s/f%d", big, i))
			}
		case 2: // a deep chain beside the rest
			for i := range 20 + rng.IntN(40) {
				names = append(names, strings.Repeat("ch/", i)+"f")
			}
		}
		names = fixNames(names)
		root := tree(t, names...)
		var o walkdir.Options
		if rng.IntN(4) == 0 {
			o.MaxDepth = 1 + rng.IntN(4)
		}
		want := paths(dirEntries(t, root, &o))
		s, err := walkdir.NewSharder(root, &o)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			n := 1 + rng.IntN(24)
			shards, err := s.Split(t.Context(), n)
			if err != nil || len(shards) < 1 || len(shards) > n {
				t.Fatalf("seed %d: Split(%d) = %d shards, %v", seed, n, len(shards), err)
			}
			got, errs := readAll(t, s, shards)
			if err := errors.Join(errs...); err != nil || !slices.Equal(got, want) {
				t.Fatalf("seed %d: the %d shards of Split(%d): %d entries, %v; want the %d of Dir (first difference at %d)", seed, len(shards), n, len(got), err, len(want), firstDiff(got, want))
			}
			// A reader of one of them, split after k entries and again
			// after one more, with its residuals, still holds its part.
			i := rng.IntN(len(shards))
			part, _ := readShard(t.Context(), s, shards[i])
			got = liveSplits(t, s, shards[i], rng.IntN(len(part)+1), rng.Float64()*0.9, rng.Float64()*0.9)
			if !slices.Equal(got, part) {
				t.Fatalf("seed %d: shard %v split live: %d entries, want %d (first difference at %d)", seed, shards[i], len(got), len(part), firstDiff(got, part))
			}
			// So does one opened with a cursor, as a worker resumes it.
			if len(part) > 1 {
				sh := shards[i]
				k := 1 + rng.IntN(len(part)-1)
				sh.Cursor = walkdir.Entry{Path: part[k-1]}.Cursor()
				got = liveSplits(t, s, sh, rng.IntN(len(part)-k+1), rng.Float64()*0.9, rng.Float64()*0.9)
				if !slices.Equal(got, part[k:]) {
					t.Fatalf("seed %d: shard %v split live: %d entries, want %d (first difference at %d)", seed, sh, len(got), len(part)-k, firstDiff(got, part[k:]))
				}
			}
		}
	}
}

// fixNames drops the names of files that a later name needs as a
// directory, so that tree can make them all.
func fixNames(names []string) []string {
	dirs := map[string]bool{}
	for _, n := range names {
		for d := filepath.Dir(strings.TrimSuffix(n, "/")); d != "."; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	var out []string
	for _, n := range names {
		if !dirs[n] {
			out = append(out, n)
		}
	}
	return out
}

// liveSplits reads k entries of sh, splits it keeping keep1 of the rest,
// reads one more, splits it keeping keep2, reads the rest, then the
// residuals, latest first, and returns the paths it read.
func liveSplits(t *testing.T, s *walkdir.Sharder, sh shard.Shard, k int, keep1, keep2 float64) []string {
	t.Helper()
	r, err := s.Open(sh)
	if err != nil {
		t.Fatal(err)
	}
	next, stop := iter.Pull2(r.All(t.Context()))
	defer stop()
	var got []string
	pull := func() bool {
		e, err, ok := next()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			got = append(got, e.Path)
		}
		return ok
	}
	for len(got) < k && pull() {
	}
	var residuals []shard.Shard
	for _, keep := range []float64{keep1, keep2} {
		res, err := r.Split(t.Context(), keep)
		switch {
		case errors.Is(err, shard.ErrNoSplit):
		case err != nil:
			t.Fatal(err)
		default:
			if res.Start != r.Shard().End {
				t.Fatalf("Split(%v) gave %v; the reader ends at %q", keep, res, r.Shard().End)
			}
			residuals = append(residuals, res)
		}
		pull()
	}
	for pull() {
	}
	for i := len(residuals) - 1; i >= 0; i-- {
		ps, err := readShard(t.Context(), s, residuals[i])
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ps...)
	}
	return got
}
