package scanner

import (
	"context"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/shard"
)

// shardFixtures are the files the shard tests cut: real files, written to
// a temporary directory.
func shardFixtures() []struct{ name, data string } {
	rng := rand.New(rand.NewPCG(15, 15))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'a' + byte(rng.IntN(26))
		}
		return string(b)
	}
	lines := func(n int) string {
		var b strings.Builder
		for i := range n {
			switch i % 17 {
			case 5:
				b.WriteString("\n") // an empty line
			default:
				fmt.Fprintf(&b, "%d %s\n", i, word(rng.IntN(60)))
			}
		}
		return b.String()
	}
	var crlf strings.Builder
	for i := range 120 {
		fmt.Fprintf(&crlf, "%d\r%s\r\n", i, word(rng.IntN(30))) // a lone "\r" is kept
		if i%9 == 0 {
			crlf.WriteString("\r\n")
		}
	}
	crlf.WriteString("last, without newline\r")
	return []struct{ name, data string }{
		{"Lines", lines(300)},
		// One line of 700 KiB, over several cuts and read buffers.
		{"HugeLine", lines(100) + strings.Repeat("h", 700<<10) + "\n" + lines(100)},
		// Most bytes in three lines, between many short ones.
		{"Skewed", lines(150) + strings.Repeat("s", 90<<10) + "\n" + strings.Repeat("t", 60<<10) + "\n\n" + strings.Repeat("u", 120<<10) + "\n" + lines(150)},
		{"Empty", ""},
		{"CRLF", crlf.String()},
	}
}

// badShards are shards of source Open must refuse.
func badShards(source string) []shard.Shard {
	return []shard.Shard{
		{Source: source + "/"},
		{Source: "scanner:"},
		{Source: source, Start: "x"},
		{Source: source, Start: "v1:0:1"},
		{Source: source, Start: "07:2"},
		{Source: source, Start: "-7:2"},
		{Source: source, Start: "5:0"},
		{Source: source, Start: "5:9"}, // 8 "\n" in 5 bytes
		{Source: source, End: "3:5"},
		{Source: source, Start: "10:2", End: "5:1"},   // End before Start
		{Source: source, Start: "10:2", End: "20:14"}, // 12 lines in 10 bytes
		{Source: source, Cursor: "garbage"},
		{Source: source, Cursor: "6:2"},    // a cursor of before v1
		{Source: source, Cursor: "v2:6:2"}, // another version
		{Source: source, Cursor: "v1:6:0"}, // line 0
		{Source: source, Cursor: "v1:0:1"}, // not after a line
		{Source: source, Start: "10:2", Cursor: "v1:10:2"},
		{Source: source, Start: "10:2", Cursor: "v1:8:2"},
		{Source: source, End: "10:2", Cursor: "v1:11:2"}, // past End
		{Source: source, End: "10:2", Cursor: "v1:10:3"}, // more lines than End
	}
}

func TestShards(t *testing.T) {
	for _, fx := range shardFixtures() {
		t.Run(fx.name, func(t *testing.T) {
			path := writeFile(t, fx.data)
			fs, err := NewFileSharder(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			conformance.TestShards(t, conformance.Shards[Token]{
				Source:    fs,
				Want:      ref([]byte(fx.data), nil),
				Cursor:    Token.Cursor,
				Equal:     equalTokens,
				BadShards: badShards(fs.source),
			}, nil)
		})
	}
}

// shardSource describes the reader of sh, a shard of the file at path
// holding data, to conformance.Test: its iterator form, its channel form
// by shard.Stream, resumed by opening sh with a Cursor, failing and
// stalling by a reader wrapped around the file.
func shardSource(t *testing.T, fs *FileSharder, sh shard.Shard, data string) conformance.Source[Token] {
	start, _ := parsePos(sh.Start)
	end := pos{off: int64(len(data))}
	if sh.End != "" {
		end, _ = parsePos(sh.End)
	}
	var want []Token
	for _, tok := range ref([]byte(data), nil) {
		if tok.Offset >= start.off && tok.Offset < end.off {
			want = append(want, tok)
		}
	}
	open := func(sh shard.Shard, wrap func(context.Context, io.Reader) io.Reader) shard.Reader[Token] {
		r, err := fs.Open(sh)
		if err != nil {
			t.Fatal(err)
		}
		r.(*fileReader).wrap = wrap
		return r
	}
	// upTo passes on the file's bytes up to the cursor of want[n-1],
	// then what then returns.
	upTo := func(n int, then io.Reader) func(context.Context, io.Reader) io.Reader {
		return func(_ context.Context, f io.Reader) io.Reader {
			var k int64
			if n > 0 {
				k = want[n-1].next - start.off
			}
			return io.MultiReader(io.LimitReader(f, k), then)
		}
	}
	stall := func(n int) func(context.Context, io.Reader) io.Reader {
		return func(ctx context.Context, f io.Reader) io.Reader {
			return upTo(n, &stallReader{ctx: ctx})(ctx, f)
		}
	}
	src := conformance.Source[Token]{
		All: func(ctx context.Context) iter.Seq2[Token, error] { return open(sh, nil).All(ctx) },
		Stream: func(ctx context.Context) (<-chan Token, func() error) {
			return shard.Stream(ctx, open(sh, nil), nil)
		},
		SingleUse: true,
		Want:      want,
		Equal:     equalTokens,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[Token, error] {
			return open(sh, upTo(n, &failReader{err: err})).All(ctx)
		},
		Stall: func(ctx context.Context, n int) iter.Seq2[Token, error] {
			return open(sh, stall(n)).All(ctx)
		},
		StreamStall: func(ctx context.Context, n int) (<-chan Token, func() error) {
			return shard.Stream(ctx, open(sh, stall(n)), nil)
		},
		Cursor: Token.Cursor,
		After: func(ctx context.Context, c string) iter.Seq2[Token, error] {
			resumed := sh
			resumed.Cursor = c
			r, err := fs.Open(resumed)
			if err != nil {
				return sluice.Fail[Token](err)
			}
			return r.All(ctx)
		},
		BadCursors: []string{
			"garbage", "v1:", "v1:x:1", "v2:6:2", "6:2", "v1:-6:2", "v1:6:0",
			"v1:" + start.String(),                                  // not after a line of the shard
			fmt.Sprintf("v1:%d:%d", end.off+1, end.line+1),          // past its end
			fmt.Sprintf("v1:%d:%d", want[1].Offset+1, want[1].Line), // within a line
		},
		Open: func() int { return int(openFiles.Load()) },
	}
	if sh.End == "" {
		// A shard that ends before the end of the file never reads
		// after its last line: it cannot fail after it.
		src.StreamFail = func(ctx context.Context, n int, err error) (<-chan Token, func() error) {
			return shard.Stream(ctx, open(sh, upTo(n, &failReader{err: err})), nil)
		}
	}
	return src
}

// TestShardReaderConformance runs the suite on the readers of the middle
// and the last of three shards of a file.
func TestShardReaderConformance(t *testing.T) {
	data := shardFixtures()[0].data
	path := writeFile(t, data)
	fs, err := NewFileSharder(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	shards, err := fs.Split(context.Background(), 3)
	if err != nil || len(shards) != 3 {
		t.Fatalf("Split(3) = %v, %v; want 3 shards", shards, err)
	}
	t.Run("Middle", func(t *testing.T) { conformance.Test(t, shardSource(t, fs, shards[1], data), nil) })
	t.Run("Last", func(t *testing.T) { conformance.Test(t, shardSource(t, fs, shards[2], data), nil) })
}

// readShard reads all of sh, keeping the tokens as they come: a shard's
// tokens are safe to keep.
func readShard(t *testing.T, fs *FileSharder, sh shard.Shard) []Token {
	t.Helper()
	r, err := fs.Open(sh)
	if err != nil {
		t.Fatalf("Open(%v) = %v", sh, err)
	}
	var got []Token
	for tok, err := range r.All(context.Background()) {
		if err != nil {
			t.Fatalf("shard %v: %v", sh, err)
		}
		got = append(got, tok)
	}
	return got
}
