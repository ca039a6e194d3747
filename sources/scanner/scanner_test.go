package scanner

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-go/sluice"
)

// splitCases are inputs whose edges the line split must get right.
var splitCases = []string{
	"", "\n", "\n\n", "a", "a\n", "a\r\n", "a\r", "\r", "\r\n", "\r\r\n", "a\nb", "a\n\nb\n",
	"a\rb\n", "x\r\ny\r\nz", "  two  words \n\tand\tmore\n", "ünï\r\ncödé",
}

// chunkings are the read sizes the tests cycle through.
var chunkings = [][]int{nil, {1}, {2}, {3, 1, 7}, {64 << 10}}

func TestSplitMatchesReference(t *testing.T) {
	for _, split := range []struct {
		name string
		f    bufio.SplitFunc
	}{{"Lines", nil}, {"Words", bufio.ScanWords}, {"Runes", bufio.ScanRunes}} {
		for _, in := range append(splitCases, "bad\xffutf8\xc3") {
			want := ref([]byte(in), split.f)
			for _, sizes := range chunkings {
				r := &chunkReader{data: []byte(in), sizes: sizes}
				got, err := collect(All(context.Background(), r, &Options{Split: split.f}))
				if err != nil {
					t.Fatalf("%s %q chunks %v: %v", split.name, in, sizes, err)
				}
				if !slicesEqual(got, want) {
					t.Errorf("%s %q chunks %v:\n got %v\nwant %v", split.name, in, sizes, got, want)
				}
			}
		}
	}
}

func slicesEqual(a, b []Token) bool { return equalBatches(a, b) }

// TestLineCount checks the promise of the doc: wc -l, plus one for a last
// line without "\n".
func TestLineCount(t *testing.T) {
	for _, in := range splitCases {
		want := strings.Count(in, "\n")
		if in != "" && !strings.HasSuffix(in, "\n") {
			want++
		}
		got, err := collect(All(context.Background(), strings.NewReader(in), nil))
		if err != nil || len(got) != want {
			t.Errorf("%q: %d lines, %v; want %d", in, len(got), err, want)
		}
	}
}

func TestCRLF(t *testing.T) {
	got, _ := collect(All(context.Background(), strings.NewReader("a\r\nb\r\r\nc\rd\r\n\r\ne\r"), nil))
	var texts []string
	for _, tok := range got {
		texts = append(texts, tok.Text())
	}
	// One "\r" before "\n" is dropped, a lone one kept, a final one dropped (as bufio.ScanLines).
	want := []string{"a", "b\r", "c\rd", "", "e"}
	if fmt.Sprintf("%q", texts) != fmt.Sprintf("%q", want) {
		t.Errorf("lines = %q, want %q", texts, want)
	}
}

func TestEmptyInput(t *testing.T) {
	for _, opts := range []*Options{nil, {Split: bufio.ScanWords}} {
		got, err := collect(All(context.Background(), strings.NewReader(""), opts))
		if len(got) != 0 || err != nil {
			t.Errorf("empty input: %v, %v; want nothing", got, err)
		}
	}
}

func TestReused(t *testing.T) {
	seq := All(context.Background(), strings.NewReader("a\nb\n"), nil)
	if got, err := collect(seq); len(got) != 2 || err != nil {
		t.Fatalf("first range: %v, %v", got, err)
	}
	n := 0
	var last error
	for _, err := range seq {
		n++
		last = err
	}
	if n != 1 || !errors.Is(last, sluice.ErrReused) {
		t.Errorf("second range: %d pairs ending with %v, want one: ErrReused", n, last)
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("boom")
	// The partial line before the error is not a line: the input did not end.
	got, err := collect(All(context.Background(), &failReader{[]byte("one\ntwo\nthr"), boom}, nil))
	if len(got) != 2 || !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "scanner: read at offset 11: ") {
		t.Errorf("got %d tokens, %v; want 2 and the read error at offset 11", len(got), err)
	}
}

func TestMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.log")
	for _, err := range File(context.Background(), path, nil) {
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) || !strings.HasPrefix(err.Error(), "scanner: ") {
			t.Errorf("File(missing) = %v, want scanner: ... naming the path, matching fs.ErrNotExist", err)
		}
	}
	ch, stop := FileStream(context.Background(), path, nil)
	for range ch {
		t.Error("FileStream(missing) sent a token")
	}
	if err := stop(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("FileStream(missing): stop() = %v, want fs.ErrNotExist", err)
	}
}

func TestBadOptions(t *testing.T) {
	for _, opts := range []*Options{{MaxTokenSize: -1}, {BatchSize: -2}} {
		if _, err := collect(All(context.Background(), strings.NewReader("a\n"), opts)); err == nil || !strings.HasPrefix(err.Error(), "scanner: ") {
			t.Errorf("%+v: err = %v, want an error", opts, err)
		}
	}
	if _, err := collect(All(context.Background(), nil, nil)); err == nil {
		t.Error("a nil reader: no error")
	}
}

func TestSplitErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name  string
		split bufio.SplitFunc
		n     int
		check func(error) bool
	}{
		{"error", func(data []byte, atEOF bool) (int, []byte, error) {
			if len(data) < 4 {
				return 0, nil, boom
			}
			return 2, data[:2], nil
		}, 2, func(err error) bool { return errors.Is(err, boom) }},
		{"final", func(data []byte, atEOF bool) (int, []byte, error) {
			return 1, data[:1], bufio.ErrFinalToken
		}, 1, func(err error) bool { return err == nil }},
		{"negative", func([]byte, bool) (int, []byte, error) { return -1, nil, nil }, 0, func(err error) bool { return err != nil }},
		{"too far", func(data []byte, _ bool) (int, []byte, error) { return len(data) + 1, nil, nil }, 0, func(err error) bool { return err != nil }},
		{"no progress", func(data []byte, _ bool) (int, []byte, error) { return 0, data[:0], nil }, 101, func(err error) bool { return err != nil }},
	} {
		got, err := collect(All(context.Background(), strings.NewReader("abcdefg"), &Options{Split: tc.split}))
		if len(got) != tc.n || !tc.check(err) {
			t.Errorf("%s: %d tokens, %v", tc.name, len(got), err)
		}
	}
}

func TestBadCursor(t *testing.T) {
	path := writeFile(t, "a\nb\n")
	for _, c := range []string{"x", "1", ":", "1:0", "01:1", "-1:1", "1:+1", " 1:1", "1:1 ", "99:3", "1:99999999999999999999"} {
		for name, seq := range map[string]func(func(Token, error) bool){
			"File":   File(context.Background(), path, &Options{After: c}),
			"Reader": All(context.Background(), strings.NewReader("a\nb\n"), &Options{After: c}),
			"NoSeek": All(context.Background(), noSeek{strings.NewReader("a\nb\n")}, &Options{After: c}),
		} {
			got, err := collect(seq)
			if len(got) != 0 || !errors.Is(err, ErrBadCursor) {
				t.Errorf("%s After %q: %v, %v; want ErrBadCursor and nothing", name, c, got, err)
			}
		}
	}
}

func TestCursorAtEnd(t *testing.T) {
	toks := ref([]byte("a\nb"), nil)
	for _, r := range []io.Reader{strings.NewReader("a\nb"), noSeek{strings.NewReader("a\nb")}} {
		got, err := collect(All(context.Background(), r, &Options{After: toks[1].Cursor()}))
		if len(got) != 0 || err != nil {
			t.Errorf("After the last token: %v, %v; want nothing", got, err)
		}
	}
}

// TestAliasing checks what the doc promises: the channel forms send
// memory of their own, which an append does not share with the next token.
func TestAliasing(t *testing.T) {
	in := strings.Repeat("0123456789\n", 50)
	ch, stop := Stream(context.Background(), strings.NewReader(in), nil)
	var kept []Token
	for tok := range ch {
		kept = append(kept, tok)
	}
	bch, bstop := Batches(context.Background(), strings.NewReader(in), &Options{BatchSize: 7})
	for b := range bch {
		for i := range b {
			_ = append(b[i].Bytes, 'X') // must not reach b[i+1]
		}
		kept = append(kept, b...)
	}
	if err := errors.Join(stop(), bstop()); err != nil {
		t.Fatal(err)
	}
	if len(kept) != 100 {
		t.Fatalf("%d tokens, want 100", len(kept))
	}
	for _, tok := range kept {
		if !bytes.Equal(tok.Bytes, []byte("0123456789")) {
			t.Fatalf("a kept token is %q", tok.Bytes)
		}
	}
}

// TestAllocs checks that the iterator form allocates per scan, not per
// line: the read buffer and a few small values, for 100,000 lines.
func TestAllocs(t *testing.T) {
	in := strings.Repeat(strings.Repeat("x", 79)+"\n", 100_000)
	allocs := testing.AllocsPerRun(5, func() {
		for _, err := range All(context.Background(), strings.NewReader(in), nil) {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs > 10 {
		t.Errorf("%v allocations to scan 100,000 lines, want at most 10", allocs)
	}
}
