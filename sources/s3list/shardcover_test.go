package s3list_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/s3list"
)

var shardSeed = flag.Uint64("shardseed", 0, "the seed of TestShardsCoverRandom (0: from the clock)")

// TestShardsCoverRandom is the property of Split: on buckets of random
// keys of four shapes (flat, nested, skewed with one prefix holding 90%
// of the keys, non-ASCII), of random sizes up to 1,200 keys (so that a
// part is larger than Split's pages of 1,000 and its size estimated), for
// random n and page sizes, the shards are contiguous from "" to "", each
// yields only keys in its range, and together they yield the bucket's
// listing exactly. In each, a random shard is also split while it is read,
// after a random number of keys and keeping a random share: the reader and
// its residual yield the shard's keys exactly. The seed is logged; rerun
// one with -args -shardseed=N.
func TestShardsCoverRandom(t *testing.T) {
	seed := *shardSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	env := testenv.S3(t)
	cs := newClients(t)
	c, ft := cs.client()
	defer s3list.SetPlanPage(50)()
	sizes := []int{1, 30 + rng.IntN(100), 100 + rng.IntN(150), 250 + rng.IntN(150)}
	rng.Shuffle(len(sizes), func(i, j int) { sizes[i], sizes[j] = sizes[j], sizes[i] })
	for i, shape := range []string{"flat", "nested", "skewed", "unicode"} {
		t.Run(fmt.Sprintf("%s/%d", shape, sizes[i]), func(t *testing.T) {
			keys := randomKeys(rng, shape, sizes[i])
			bucket := s3env.NewFileBucket(t, env, c, keys)
			slices.Sort(keys)
			if got := listKeys(t, c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}); !slices.Equal(got, keys) {
				t.Fatalf("the bucket lists %d keys, want the %d written: %s", len(got), len(keys), firstDiff(got, keys))
			}
			for _, n := range []int{1 + rng.IntN(3), 4 + rng.IntN(6), 10 + rng.IntN(20)} {
				page := int32(10 + rng.IntN(100))
				n0, st0 := ft.Requests(), time.Now()
				sh, err := s3list.NewSharder(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(page)}, nil)
				if err != nil {
					t.Fatal(err)
				}
				shards, err := sh.Split(context.Background(), n)
				if err != nil {
					t.Fatalf("Split(%d) = %v", n, err)
				}
				planned := ft.Requests() - n0
				if err := contiguous(shards, n); err != nil {
					t.Fatalf("Split(%d): %v", n, err)
				}
				var got []string
				var counts []int
				for _, s := range shards {
					ks, err := readShard(sh, s)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, ks...)
					counts = append(counts, len(ks))
				}
				if !slices.Equal(got, keys) {
					t.Fatalf("the %d shards of Split(%d) in pages of %d yield %d keys, want %d: %s", len(shards), n, page, len(got), len(keys), firstDiff(got, keys))
				}
				t.Logf("Split(%d), pages of %d: %d shards of %v keys, %d requests to plan, %d in all, %v", n, page, len(shards), counts, planned, ft.Requests()-n0, time.Since(st0))

				j := rng.IntN(len(shards))
				k := rng.IntN(counts[j] + 1)
				keep := rng.Float64() * 0.99
				lo := 0
				for _, c := range counts[:j] {
					lo += c
				}
				if err := splitWhileReading(sh, shards[j], k, keep, keys[lo:lo+counts[j]]); err != nil {
					t.Errorf("shard %d of Split(%d), split after %d keys keeping %.2f: %v", j, n, k, keep, err)
				}
			}
		})
	}
}

// randomKeys returns n distinct keys of a shape, of which no key is a
// directory of another (the names of directories start with "d", of
// files with "f"), so that a file bucket holds them.
func randomKeys(rng *rand.Rand, shape string, n int) []string {
	alphabet := []rune("0123456789abcdefghijklmnopqrstuvwxyz-_.")
	if shape == "unicode" {
		alphabet = []rune("01abzé€ü日-")
	}
	name := func(kind string) string {
		var b strings.Builder
		b.WriteString(kind)
		n := 1 + rng.IntN(8)
		if kind == "d" {
			n = 1 + rng.IntN(2) // fewer directories, with more keys each
		}
		for range n {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	path := func(maxDepth int) string {
		var parts []string
		for range rng.IntN(maxDepth + 1) {
			parts = append(parts, name("d"))
		}
		return strings.Join(append(parts, name("f")), "/")
	}
	seen := map[string]bool{}
	var keys []string
	for len(keys) < n {
		var k string
		switch shape {
		case "flat":
			k = name("f")
		case "skewed":
			if rng.IntN(10) < 9 {
				k = "dbig/" + path(1)
			} else {
				k = path(2)
			}
		default:
			k = path(3)
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// contiguous checks that shards are between 1 and n, from "" to "",
// each starting where the one before ends, strictly after its Start.
func contiguous(shards []shard.Shard, n int) error {
	if len(shards) < 1 || len(shards) > n {
		return fmt.Errorf("%d shards, want 1 to %d", len(shards), n)
	}
	if shards[0].Start != "" || shards[len(shards)-1].End != "" {
		return fmt.Errorf("the shards run from %q to %q, want from \"\" to \"\"", shards[0].Start, shards[len(shards)-1].End)
	}
	for i, s := range shards {
		if i > 0 && (s.Start != shards[i-1].End || s.Start <= shards[i-1].Start) {
			return fmt.Errorf("shard %d is [%q, %q), after [%q, %q)", i, s.Start, s.End, shards[i-1].Start, shards[i-1].End)
		}
	}
	return nil
}

// readShard reads s to its end and checks that its keys lie in its range.
func readShard(sh *s3list.Sharder, s shard.Shard) ([]string, error) {
	r, err := sh.Open(s)
	if err != nil {
		return nil, err
	}
	var ks []string
	for e, err := range r.All(context.Background()) {
		if err != nil {
			return ks, err
		}
		k := e.Key()
		if k < s.Start || (s.End != "" && k >= s.End) {
			return ks, fmt.Errorf("shard [%q, %q) yields %q", s.Start, s.End, k)
		}
		ks = append(ks, k)
	}
	return ks, nil
}

// splitWhileReading reads k keys of s, splits it keeping keep of the rest,
// reads on, and checks that the reader and the residual yield want.
func splitWhileReading(sh *s3list.Sharder, s shard.Shard, k int, keep float64, want []string) error {
	r, err := sh.Open(s)
	if err != nil {
		return err
	}
	var got []string
	var res *shard.Shard
	split := func() error {
		p, err := r.Split(context.Background(), keep)
		switch {
		case errors.Is(err, shard.ErrNoSplit):
			if k < len(want) {
				return fmt.Errorf("Split = %v with %d keys unread", err, len(want)-k)
			}
		case err != nil:
			return err
		default:
			res = &p
		}
		return nil
	}
	if k == 0 {
		if err := split(); err != nil {
			return err
		}
	}
	for e, err := range r.All(context.Background()) {
		if err != nil {
			return err
		}
		got = append(got, e.Key())
		if len(got) == k {
			if err := split(); err != nil {
				return err
			}
		}
	}
	if res != nil {
		if r.Shard().End != res.Start {
			return fmt.Errorf("the reader ends at %q, its residual starts at %q", r.Shard().End, res.Start)
		}
		rest, err := readShard(sh, *res)
		if err != nil {
			return err
		}
		got = append(got, rest...)
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("the reader and its residual yield %d keys, want %d: %s", len(got), len(want), firstDiff(got, want))
	}
	return nil
}

// dateKeys returns 1,000 keys in directories of a date, as the bucket of
// benchmarks/fleet lays them out: 20 directories of 50 keys, or, if
// skewed, 21 whose first holds 800 keys and the others 10 each.
func dateKeys(skewed bool) []string {
	var ks []string
	for i := range 1000 {
		d := i / 50
		if skewed {
			d = max(0, (i-800)/10+1)
		}
		ks = append(ks, fmt.Sprintf("logs/2026/11/27/%02d/part-%06d.gz", d, i))
	}
	return ks
}

// TestSplitBalance checks that Split's estimates balance the shards: no
// shard holds more than twice its share. Skewed: the big prefix is larger
// than Split's pages (cut to 50 keys), so its size is estimated. Hex:
// flat keys whose first page starts with digits only, so that the
// keyspace fit to it must be refit to number the keys from "a" on.
// ManyPrefixes: more prefixes than Split weighs one by one, followed by
// objects at the top level. LonePrefix: the bucket's top level is one
// common prefix, logs/, over a date's directories (the layout of
// benchmarks/fleet), the first holding most keys: Split must look into
// logs/ and weigh its directories, since no keyspace fit to one page
// says where they hold more. NestedBeside: directories of as many keys
// beside one object at the top level, so that logs/ is one part of two,
// weighed by its first page and the one-key requests that find about
// where it ends, though its keys fill a sliver of the keyspace that page
// fits.
func TestSplitBalance(t *testing.T) {
	skewed := func() []string {
		var ks []string
		for i := range 270 {
			ks = append(ks, fmt.Sprintf("big/%05d", i*37))
		}
		for p := range 6 {
			for i := range 5 {
				ks = append(ks, fmt.Sprintf("s%d/%d", p, i))
			}
		}
		return ks
	}
	hex := func() []string {
		var ks []string
		for i := range 400 {
			ks = append(ks, fmt.Sprintf("%04x", i*160))
		}
		return ks
	}
	prefixes := func() []string {
		var ks []string
		for p := range 70 {
			ks = append(ks, fmt.Sprintf("p%02d/0", p))
		}
		for i := range 170 {
			ks = append(ks, fmt.Sprintf("z%03d", i))
		}
		return ks
	}
	lone := func() []string { return dateKeys(true) }
	beside := func() []string { return append(dateKeys(false), "README") }
	cs := newClients(t)
	c, _ := cs.client()
	for _, tc := range []struct {
		name     string
		keys     func() []string
		n        int
		planPage int32
	}{
		{"Skewed", skewed, 6, 50},
		{"Hex", hex, 6, 50},
		{"ManyPrefixes", prefixes, 4, 1000},
		{"LonePrefix", lone, 8, 50},
		{"NestedBeside", beside, 8, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer s3list.SetPlanPage(tc.planPage)()
			bucket := fileBucket(t, "balance-"+tc.name, tc.keys)
			sh, err := s3list.NewSharder(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			shards, err := sh.Split(context.Background(), tc.n)
			if err != nil {
				t.Fatal(err)
			}
			var counts []int
			for _, s := range shards {
				ks, err := readShard(sh, s)
				if err != nil {
					t.Fatal(err)
				}
				counts = append(counts, len(ks))
			}
			share := len(tc.keys()) / tc.n
			t.Logf("Split(%d): %v keys, a share is %d", tc.n, counts, share)
			if len(shards) != tc.n || slices.Max(counts) > 2*share {
				t.Errorf("Split(%d) gave %d shards of %v keys; want %d, none above %d", tc.n, len(shards), counts, tc.n, 2*share)
			}
		})
	}
}

// TestReaderSplitBalance checks that a running Reader of the listing's
// last shard (one without End) gives away about the share asked of its
// rest, not everything past its fetched page: it has no End to estimate
// cuts toward, so Split must find about where the listing ends. Each
// reader reads 60 keys (a page of 50 and part of the next), splits, and
// reads on; the keys it then reads and those of the residual must each
// be within half of their share of the rest, on flat keys spread over
// the keyspace and on a date's directories, whose keys fill a sliver of
// the keyspace the page fits.
func TestReaderSplitBalance(t *testing.T) {
	cs := newClients(t)
	c, _ := cs.client()
	for _, tc := range []struct {
		name string
		keys func() []string
		keep float64
	}{
		{"Flat", func() []string { return flatKeys(1000) }, 0.5},
		{"Flat/Keep0.2", func() []string { return flatKeys(1000) }, 0.2},
		{"Logs", func() []string { return dateKeys(false) }, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			name, _, _ := strings.Cut(tc.name, "/")
			bucket := fileBucket(t, "readersplit-"+name, tc.keys)
			sh, err := s3list.NewSharder(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(50)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			shards, err := sh.Split(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			r, err := sh.Open(shards[0])
			if err != nil {
				t.Fatal(err)
			}
			const k = 60
			var kept []string
			var rest shard.Shard
			for e, err := range r.All(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				kept = append(kept, e.Key())
				if len(kept) == k {
					if rest, err = r.Split(ctx, tc.keep); err != nil {
						t.Fatal(err)
					}
				}
			}
			given, err := readShard(sh, rest)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.keys()
			slices.Sort(want)
			if got := append(slices.Clone(kept), given...); !slices.Equal(got, want) {
				t.Fatalf("the reader and its residual %v yield %d keys, want the %d of the bucket: %s", rest, len(got), len(want), firstDiff(got, want))
			}
			left := float64(len(want) - k)
			t.Logf("Split(%v) after %d keys: %d read on, %d given away (residual %v)", tc.keep, k, len(kept)-k, len(given), rest)
			if a, b := float64(len(kept)-k), float64(len(given)); a < tc.keep*left/2 || b < (1-tc.keep)*left/2 {
				t.Errorf("Split(%v) of the last shard after %d keys: %v read on and %v given away of the %v left; want each at least half its share", tc.keep, k, a, b, left)
			}
		})
	}
}

// A maxKeysClient records the MaxKeys of each request.
type maxKeysClient struct {
	s3.ListObjectsV2APIClient
	mu    sync.Mutex
	asked []int32
}

func (c *maxKeysClient) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	c.mu.Lock()
	c.asked = append(c.asked, aws.ToInt32(in.MaxKeys))
	c.mu.Unlock()
	return c.ListObjectsV2APIClient.ListObjectsV2(ctx, in, opts...)
}

// TestReaderLastPage checks that a Reader of a shard with an End asks,
// near End, for about the keys the density of its last page says are
// left, not for a whole page past End, since S3 cannot end a page at a
// key: of a shard of 105 flat keys in pages of 50, two full pages, then a
// request for fewer than 50.
func TestReaderLastPage(t *testing.T) {
	cs := newClients(t)
	c, _ := cs.client()
	keys := flatKeys(1000)
	bucket := fileBucket(t, "readersplit-Flat", func() []string { return flatKeys(1000) })
	mk := &maxKeysClient{ListObjectsV2APIClient: c}
	sh, err := s3list.NewSharder(mk, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(50)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := shard.Shard{Source: "s3list:" + bucket + "/", Start: keys[100], End: keys[205]}
	got, err := readShard(sh, s)
	if err != nil {
		t.Fatal(err)
	}
	if want := keys[100:205]; !slices.Equal(got, want) {
		t.Fatalf("the shard yields %d keys, want %d: %s", len(got), len(want), firstDiff(got, want))
	}
	mk.mu.Lock()
	defer mk.mu.Unlock()
	if a := mk.asked; len(a) != 3 || a[0] != 50 || a[1] != 50 || a[2] >= 50 {
		t.Errorf("the reader asked for pages of %v keys; want 50, 50, then fewer than 50", a)
	}
}
