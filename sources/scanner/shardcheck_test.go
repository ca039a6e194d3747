package scanner

import (
	"bufio"
	"context"
	"errors"
	"io/fs"
	"iter"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/shard"
)

func TestNewFileSharderRefuses(t *testing.T) {
	for _, tc := range []struct {
		path string
		opts *Options
		want string
	}{
		{"", nil, "empty path"},
		{"f", &Options{Split: bufio.ScanWords}, "Options.Split must be nil"},
		{"f", &Options{After: "v1:0:1"}, "no Options.After"},
		{"f", &Options{MaxTokenSize: -1}, "MaxTokenSize is -1"},
	} {
		s, err := NewFileSharder(tc.path, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewFileSharder(%q, %+v) = %v, %v; want an error saying %q", tc.path, tc.opts, s, err, tc.want)
		}
	}
	if s, err := NewFileSharder("dir/../f", nil); err != nil || s.source != "scanner:f" {
		t.Errorf(`NewFileSharder("dir/../f") = %+v, %v; want the source "scanner:f"`, s, err)
	}
}

// starts returns the Starts of shards after the first.
func starts(shards []shard.Shard) []string {
	var out []string
	for _, sh := range shards[1:] {
		out = append(out, sh.Start)
	}
	return out
}

func TestFileSharderSplit(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		data string
		n    int
		want []string // the Starts after the first
	}{
		{"aaaa\nbb\ncc\n", 1, nil},
		{"aaaa\nbb\ncc\n", 2, []string{"5:2"}},        // a cut at 5, a line start
		{"aaaa\nbb\ncc\n", 3, []string{"5:2", "8:3"}}, // cuts at 3 and 7, moved forward
		{"aaaa\nbb\ncc\n", 100, []string{"5:2", "8:3"}},
		{"aaaa\nbb\ncc", 100, []string{"5:2", "8:3"}},
		{"a\r\n\r\n\n" + strings.Repeat("x", 100) + "\nb\n", 20, []string{"5:3", "107:5"}},
		{"\n\n\n\n", 4, []string{"1:2", "2:3", "3:4"}},
		{strings.Repeat("x", 100), 10, nil}, // one line
		{"", 5, nil},
	} {
		path := writeFile(t, tc.data)
		fsh, err := NewFileSharder(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		shards, err := fsh.Split(ctx, tc.n)
		if err != nil {
			t.Fatalf("Split(%d) of %q = %v", tc.n, tc.data, err)
		}
		if got := starts(shards); !slices.Equal(got, tc.want) {
			t.Errorf("Split(%d) of %q starts shards at %q, want %q", tc.n, tc.data, got, tc.want)
		}
	}
}

func TestFileSharderSplitFails(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := writeFile(t, "a\nb\n")
	fsh, _ := NewFileSharder(path, nil)
	for _, n := range []int{0, -1} {
		if _, err := fsh.Split(ctx, n); err == nil {
			t.Errorf("Split(%d) = nil error", n)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := fsh.Split(canceled, 2); !errors.Is(err, context.Canceled) {
		t.Errorf("Split with ctx canceled = %v, want context.Canceled", err)
	}
	missing, _ := NewFileSharder(filepath.Join(dir, "missing"), nil)
	if _, err := missing.Split(ctx, 2); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Split of a missing file = %v, want fs.ErrNotExist", err)
	}
	notRegular(t, dir)
}

// notRegular checks that the FileSharder of path, not a regular file,
// refuses to split it.
func notRegular(t *testing.T, path string) {
	t.Helper()
	s, _ := NewFileSharder(path, nil)
	if _, err := s.Split(context.Background(), 2); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Split of %s = %v, want an error saying it is not a regular file", path, err)
	}
}

// A shard reads its lines, not the next shard's: a line too long that
// starts at its End is the next shard's to report or skip.
func TestShardTooLong(t *testing.T) {
	ctx := context.Background()
	data := "ab\n" + strings.Repeat("x", 20) + "\ncd\n"
	path := writeFile(t, data)
	fsh, _ := NewFileSharder(path, &Options{MaxTokenSize: 4})
	source := fsh.source

	got := readShard(t, fsh, shard.Shard{Source: source, End: "3:2"})
	if len(got) != 1 || string(got[0].Bytes) != "ab" {
		t.Errorf("the shard before a long line = %+v, want only ab", got)
	}

	r, _ := fsh.Open(shard.Shard{Source: source, Start: "3:2"})
	var tle *TooLongError
	for _, err := range r.All(ctx) {
		if !errors.As(err, &tle) || tle.Offset != 3 || tle.Line != 2 || tle.Max != 4 {
			t.Errorf("the shard of the long line yielded %v, want a *TooLongError at offset 3, line 2", err)
		}
	}

	skip, _ := NewFileSharder(path, &Options{MaxTokenSize: 4, OnTooLong: func(*TooLongError) error { return nil }})
	got = readShard(t, skip, shard.Shard{Source: source, Start: "3:2"})
	if len(got) != 1 || string(got[0].Bytes) != "cd" || got[0].Offset != 24 || got[0].Line != 3 {
		t.Errorf("the shard of the long line, skipped = %+v, want cd at offset 24, line 3", got)
	}
}

// The tokens of a shard are safe to keep, from All and from shard.Stream,
// over a file of several read buffers.
func TestShardTokensKept(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 3*readSize; i++ {
		b.WriteString(strings.Repeat(string(rune('a'+i%26)), i%50))
		b.WriteString("\n")
	}
	data := b.String()
	path := writeFile(t, data)
	fsh, _ := NewFileSharder(path, nil)
	want := ref([]byte(data), nil)
	sh := shard.Shard{Source: fsh.source}
	if got := readShard(t, fsh, sh); !equalBatches(got, want) {
		t.Errorf("the tokens of All, kept: %s", firstDiff(got, want))
	}
	r, _ := fsh.Open(sh)
	ch, stop := shard.Stream(context.Background(), r, nil)
	var got []Token
	for tok := range ch {
		got = append(got, tok)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !equalBatches(got, want) {
		t.Errorf("the tokens of shard.Stream, kept: %s", firstDiff(got, want))
	}
}

// A file that changed since it was split, other than by lines appended,
// fails the shards it no longer holds.
func TestShardFileChanged(t *testing.T) {
	ctx := context.Background()
	data := strings.Repeat("0123456789\n", 30)
	path := writeFile(t, data)
	fsh, _ := NewFileSharder(path, nil)
	shards, err := fsh.Split(ctx, 3)
	if err != nil || len(shards) != 3 {
		t.Fatalf("Split(3) = %v, %v", shards, err)
	}
	readAll := func(sh shard.Shard) ([]Token, error) {
		r, err := fsh.Open(sh)
		if err != nil {
			return nil, err
		}
		return collect(r.All(ctx))
	}

	// Appended: the last shard reads the new lines.
	if err := os.WriteFile(path, []byte(data+"more\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readAll(shards[2])
	if err != nil || len(got) != 11 || got[10].Text() != "more" || got[10].Line != 31 {
		t.Errorf("the last shard of an appended file = %d tokens, %v; want the 10 it had and more on line 31", len(got), err)
	}

	// Shrunk below a shard's End, or below its Start.
	if err := os.WriteFile(path, []byte(data[:150]), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, sh := range shards[1:] {
		if _, err := readAll(sh); err == nil || !strings.Contains(err.Error(), "changed since it was split") {
			t.Errorf("shard %v of a shrunk file: %v, want an error saying it changed", sh, err)
		}
	}

	// Rewritten: no line starts at a shard's Start any more.
	if err := os.WriteFile(path, []byte("x"+data), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(shards[1]); err == nil || !strings.Contains(err.Error(), "no line starts at its Start") {
		t.Errorf("shard %v of a rewritten file: %v, want an error saying no line starts there", shards[1], err)
	}

	// A cursor within a line is not one of a line of the file.
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"v1:5:1", "v1:1000:2"} { // within a line, past the end
		if _, err := readAll(shard.Shard{Source: fsh.source, Cursor: c}); !errors.Is(err, ErrBadCursor) {
			t.Errorf("the cursor %s: %v, want ErrBadCursor", c, err)
		}
	}
}

// Split with keep > 0 cuts at about keep of the unread bytes, at the
// next line start, with its line counted.
func TestShardReaderSplitAt(t *testing.T) {
	ctx := context.Background()
	data := strings.Repeat("012345678\n", 100) + strings.Repeat("h", 1000) + "\nlast\n"
	path := writeFile(t, data)
	fsh, _ := NewFileSharder(path, nil)
	r, _ := fsh.Open(shard.Shard{Source: fsh.source})
	for _, tc := range []struct {
		keep       float64
		start, end string
	}{
		{0.25, "510:52", ""},       // 2006 bytes: at 501, moved to 510
		{0.5, "260:27", "510:52"},  // 510 bytes: at 255, moved to 260
		{0.99, "250:26", "260:27"}, // at 257: no line starts in [257, 260), the one before
		{0, "0:1", "250:26"},       // nothing read: all of it
	} {
		res, err := r.Split(ctx, tc.keep)
		if err != nil || res.Start != tc.start || res.End != tc.end {
			t.Errorf("Split(%v) = %v, %v; want [%s, %q)", tc.keep, res, err, tc.start, tc.end)
		}
	}
	if res, err := r.Split(ctx, 0); !errors.Is(err, shard.ErrNoSplit) {
		t.Errorf("Split(0) of an empty shard = %v, %v; want ErrNoSplit", res, err)
	}
	if got, _ := collect(r.All(ctx)); len(got) != 0 {
		t.Errorf("the reader split away before it read yielded %d tokens", len(got))
	}

	// The remainder a long line, then one more: cut after the long line.
	r, _ = fsh.Open(shard.Shard{Source: fsh.source, Start: "1000:101"})
	if res, err := r.Split(ctx, 0.1); err != nil || res.Start != "2001:102" {
		t.Errorf("Split(0.1) of a long line and a short one = %v, %v; want the short one", res, err)
	}
	// One line left: given away whole, even with keep > 0.
	if res, err := r.Split(ctx, 0.5); err != nil || res.Start != "1000:101" {
		t.Errorf("Split(0.5) of one line = %v, %v; want that line", res, err)
	}

	for _, keep := range []float64{-0.1, 1, 2, math.NaN()} {
		if _, err := r.Split(ctx, keep); err == nil || errors.Is(err, shard.ErrNoSplit) {
			t.Errorf("Split(%v) = %v, want an error about keep", keep, err)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	r, _ = fsh.Open(shard.Shard{Source: fsh.source})
	if _, err := r.Split(canceled, 0.5); !errors.Is(err, context.Canceled) {
		t.Errorf("Split with ctx canceled = %v, want context.Canceled", err)
	}
}

// All goes past the point Split found while Split read the file: Split
// cuts again from where All now is, and nothing is read twice.
func TestShardReaderSplitOvertaken(t *testing.T) {
	ctx := context.Background()
	data := strings.Repeat("012345678\n", 100)
	path := writeFile(t, data)
	fsh, _ := NewFileSharder(path, nil)
	r, _ := fsh.Open(shard.Shard{Source: fsh.source})
	next, stop := iter.Pull2(r.All(ctx))
	defer stop()
	var got []Token
	pull := func(n int) {
		for range n {
			tok, err, ok := next()
			if !ok || err != nil {
				t.Fatalf("token %d: %v, %v", len(got), err, ok)
			}
			got = append(got, tok)
		}
	}
	pull(10)
	attempts := 0
	r.(*fileReader).splitting = func() {
		if attempts++; attempts == 1 {
			pull(60) // past line 56, where Split cuts first
		}
	}
	res, err := r.Split(ctx, 0.5)
	if err != nil || attempts != 2 || res.Start != "850:86" {
		t.Fatalf("Split(0.5) overtaken by All = %v, %v after %d attempts; want [850:86, \"\") after 2", res, err, attempts)
	}
	for tok, err := range iterFrom(next) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tok)
	}
	got = append(got, readShard(t, fsh, res)...)
	if want := ref([]byte(data), nil); !equalBatches(got, want) {
		t.Errorf("the reader and its residual: %s", firstDiff(got, want))
	}
}

// iterFrom ranges what remains of a pulled iterator.
func iterFrom(next func() (Token, error, bool)) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		for {
			tok, err, ok := next()
			if !ok || !yield(tok, err) {
				return
			}
		}
	}
}

// Another Split cuts the reader before the point a Split found while it
// read: that Split starts again, and finds nothing left.
func TestShardReaderSplitRaced(t *testing.T) {
	ctx := context.Background()
	path := writeFile(t, strings.Repeat("012345678\n", 100))
	fsh, _ := NewFileSharder(path, nil)
	r, _ := fsh.Open(shard.Shard{Source: fsh.source, Start: "100:11"})
	var first shard.Shard
	attempts := 0
	r.(*fileReader).splitting = func() {
		if attempts++; attempts == 1 {
			var err error
			if first, err = r.Split(ctx, 0); err != nil || first.Start != "100:11" {
				t.Errorf("Split(0) during a Split(0.5) = %v, %v; want [100:11, \"\")", first, err)
			}
		}
	}
	if res, err := r.Split(ctx, 0.5); !errors.Is(err, shard.ErrNoSplit) {
		t.Errorf("Split(0.5) cut before by another Split = %v, %v; want ErrNoSplit", res, err)
	}
	if at := r.Shard(); at.End != "100:11" {
		t.Errorf("the reader's End after both Splits = %q, want 100:11", at.End)
	}
}

// Split(n) costs the shards it returns, not n: a file of three lines is
// cut in three at once, for the largest n.
func TestFileSharderSplitHugeN(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second) // a watchdog, not a timing
	defer cancel()
	fsh, _ := NewFileSharder(writeFile(t, "aaaa\nbb\ncc\n"), nil)
	shards, err := fsh.Split(ctx, math.MaxInt)
	if got := starts(shards); err != nil || !slices.Equal(got, []string{"5:2", "8:3"}) {
		t.Errorf("Split(MaxInt) = %v, %v; want shards at 5:2 and 8:3", shards, err)
	}
}
