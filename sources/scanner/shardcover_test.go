package scanner

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/shard"
)

// checkCover splits the file holding data into n shards and checks that
// they hold, read in turn, exactly the tokens of the whole file's scan
// (File); then that shard live, split after k of its tokens keeping keep
// of the rest, and its residual, hold exactly that shard's tokens.
func checkCover(t *testing.T, path string, n, live, k int, keep float64) {
	t.Helper()
	ctx := context.Background()
	want, err := collect(File(ctx, path, nil))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := NewFileSharder(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	shards, err := fs.Split(ctx, n)
	if err != nil {
		t.Fatalf("Split(%d) = %v", n, err)
	}
	if len(shards) < 1 || len(shards) > n {
		t.Fatalf("Split(%d) gave %d shards", n, len(shards))
	}
	var got []Token
	var each [][]Token
	for _, sh := range shards {
		toks := readShard(t, fs, sh)
		each = append(each, toks)
		got = append(got, toks...)
	}
	if !equalBatches(got, want) {
		t.Fatalf("the %d shards of Split(%d) = %v\nhold %d tokens, want %d: %v", len(shards), n, shards, len(got), len(want), firstDiff(got, want))
	}
	for i, toks := range each {
		if i > 0 && len(toks) == 0 {
			t.Errorf("Split(%d): shard %d of %v is empty: cuts that fall in one line are one", n, i, shards)
		}
	}

	// One shard, split live.
	i := live % len(shards)
	sh, whole := shards[i], each[i]
	r, err := fs.Open(sh)
	if err != nil {
		t.Fatal(err)
	}
	next, stop := iter.Pull2(r.All(ctx))
	defer stop()
	var read []Token
	for len(read) < k {
		tok, err, ok := next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		read = append(read, tok)
	}
	res, splitErr := r.Split(ctx, keep)
	switch err := splitErr; {
	case errors.Is(err, shard.ErrNoSplit):
		if len(read) < len(whole) {
			t.Fatalf("Split(%v) after %d of %d tokens = ErrNoSplit", keep, len(read), len(whole))
		}
	case err != nil:
		t.Fatalf("Split(%v) after %d tokens = %v", keep, len(read), err)
	default:
		if r.Shard().End != res.Start || res.End != sh.End {
			t.Fatalf("Split(%v) of %v gave %v; the reader now ends at %q", keep, sh, res, r.Shard().End)
		}
	}
	for {
		tok, err, ok := next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		read = append(read, tok)
	}
	if splitErr == nil {
		read = append(read, readShard(t, fs, res)...)
	}
	if !equalBatches(read, whole) {
		t.Fatalf("shard %v split live after %d tokens keeping %v, then %v: %v", sh, k, keep, res, firstDiff(read, whole))
	}
}

func firstDiff(got, want []Token) string {
	for i := range min(len(got), len(want)) {
		if !equalTokens(got[i], want[i]) {
			return fmt.Sprintf("token %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("%d tokens, want %d", len(got), len(want))
}

// randomFile returns the contents of a file for the property test: short
// lines, empty lines, CRLF, a lone "\r", sometimes a few long lines that
// hold most of its bytes, sometimes no final "\n".
func randomFile(rng *rand.Rand) string {
	var b strings.Builder
	lines := rng.IntN(150)
	if rng.IntN(8) == 0 {
		lines = rng.IntN(4) // a file of a few lines, or none
	}
	long := rng.IntN(3) == 0 // skewed: a few lines hold most bytes
	for range lines {
		n := rng.IntN(40)
		switch {
		case long && rng.IntN(40) == 0:
			n = 20000 + rng.IntN(300000)
		case rng.IntN(6) == 0:
			n = 0
		}
		for range n {
			b.WriteByte("abcdefgh \r"[rng.IntN(10)])
		}
		if rng.IntN(5) == 0 {
			b.WriteString("\r")
		}
		b.WriteString("\n")
	}
	s := b.String()
	if rng.IntN(3) == 0 {
		s = strings.TrimSuffix(s, "\n")
	}
	return s
}

// TestShardsCover is the property: for random files (short lines, empty
// ones, CRLF, skewed ones where a few long lines hold most bytes, with
// and without a final newline) and random n, the shards of Split cover
// the whole file's scan exactly, and a shard split live at a random point
// loses and repeats nothing.
func TestShardsCover(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 0))
	dir := t.TempDir()
	cases := 60
	if testing.Short() {
		cases = 20
	}
	for c := range cases {
		data := randomFile(rng)
		path := filepath.Join(dir, fmt.Sprint("f", c))
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		n := 1 + rng.IntN(20)
		if rng.IntN(4) == 0 {
			n = 1 + rng.IntN(300)
		}
		keep := []float64{0, 0.5, rng.Float64()}[rng.IntN(3)]
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			checkCover(t, path, n, rng.IntN(64), rng.IntN(40), keep)
		})
	}
}

// FuzzShards checks the property on fuzzed contents, shard counts and
// live splits.
func FuzzShards(f *testing.F) {
	f.Add([]byte("a\nbb\r\n\nccc\n"), uint16(3), uint8(1), uint8(1), uint8(0))
	f.Add([]byte("one huge line "+strings.Repeat("x", 5000)+"\nshort\n"), uint16(16), uint8(0), uint8(0), uint8(128))
	f.Add([]byte("\n\n\n\n"), uint16(7), uint8(2), uint8(2), uint8(200))
	f.Add([]byte("no final newline\r"), uint16(2), uint8(0), uint8(1), uint8(10))
	f.Add([]byte(""), uint16(1), uint8(0), uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, n uint16, live, k, keep uint8) {
		path := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		checkCover(t, path, 1+int(n%512), int(live), int(k), float64(keep)/256)
	})
}
