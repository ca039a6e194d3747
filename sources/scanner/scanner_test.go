package scanner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
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
	ch, stop := FileStream(context.Background(), path, nil, nil)
	for range ch {
		t.Error("FileStream(missing) sent a token")
	}
	if err := stop(); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("FileStream(missing): stop() = %v, want fs.ErrNotExist", err)
	}
}

// TestBadOptions checks that every form reports invalid arguments when
// called, before any I/O, naming the package and the option: the
// iterators as their only pair, the channel forms from stop.
func TestBadOptions(t *testing.T) {
	forms := map[string]form{
		"All": iterated(func(ctx context.Context, r io.Reader, _ string, o *Options) iter.Seq2[Token, error] {
			return All(ctx, r, o)
		}),
		"Batches": iterated(func(ctx context.Context, r io.Reader, _ string, o *Options) iter.Seq2[[]Token, error] {
			return Batches(ctx, r, o)
		}),
		"File": iterated(func(ctx context.Context, _ io.Reader, path string, o *Options) iter.Seq2[Token, error] {
			return File(ctx, path, o)
		}),
		"FileBatches": iterated(func(ctx context.Context, _ io.Reader, path string, o *Options) iter.Seq2[[]Token, error] {
			return FileBatches(ctx, path, o)
		}),
		"Stream": func(ctx context.Context, r io.Reader, _ string, o *Options) []error {
			return drainErr(Stream(ctx, r, o, badStream))
		},
		"BatchesStream": func(ctx context.Context, r io.Reader, _ string, o *Options) []error {
			return drainErr(BatchesStream(ctx, r, o, badStream))
		},
		"FileStream": func(ctx context.Context, _ io.Reader, path string, o *Options) []error {
			return drainErr(FileStream(ctx, path, o, badStream))
		},
		"FileBatchesStream": func(ctx context.Context, _ io.Reader, path string, o *Options) []error {
			return drainErr(FileBatchesStream(ctx, path, o, badStream))
		},
	}
	// The file is missing: a form that opened it would fail otherwise.
	// The stream options are invalid too: a channel form that started
	// its stream would fail with their error.
	path := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		opts   Options
		nilRdr bool
		want   string
	}{
		{opts: Options{MaxTokenSize: -1}, want: "scanner: Options.MaxTokenSize is -1; want 0 or more"},
		{opts: Options{BatchSize: -2}, want: "scanner: Options.BatchSize is -2; want 0 or more"},
		{opts: Options{After: "1:2"}, want: `scanner: bad cursor "1:2": `},
		{opts: Options{After: "v1:1:3"}, want: `scanner: bad cursor "v1:1:3": `},
		{nilRdr: true, want: "scanner: nil reader"},
	} {
		for name, run := range forms {
			if tc.nilRdr && strings.HasPrefix(name, "File") {
				continue
			}
			// A reader read at all fails the test. The ctx is
			// canceled, which a producer would see first, and the
			// options of an iterator are mended before it is
			// ranged: the arguments are checked when the function is
			// called.
			var r io.Reader = &noRead{t}
			if tc.nilRdr {
				r = nil
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			opts := tc.opts
			errs := run(ctx, r, path, &opts)
			if len(errs) != 1 || errs[0] == nil || !strings.HasPrefix(errs[0].Error(), tc.want) {
				t.Errorf("%s(%+v): %v; want one error %q", name, tc.opts, errs, tc.want)
			}
		}
	}
}

// badStream are invalid stream options.
var badStream = &sluice.StreamOptions{Buffer: -1}

// A form calls one of the package's functions, with a reader or a path,
// and returns what it yielded or sent, as errors (nil for a value), and
// the error of stop.
type form func(ctx context.Context, r io.Reader, path string, opts *Options) []error

// iterated returns the form of an iterator: the options are made valid
// after the call and before the range.
func iterated[V any](call func(context.Context, io.Reader, string, *Options) iter.Seq2[V, error]) form {
	return func(ctx context.Context, r io.Reader, path string, opts *Options) []error {
		seq := call(ctx, r, path, opts)
		*opts = Options{}
		return errorsOf(seq)
	}
}

// noRead is a reader that fails the test when read.
type noRead struct{ t *testing.T }

func (n *noRead) Read([]byte) (int, error) {
	n.t.Error("the reader was read")
	return 0, io.EOF
}

// errorsOf ranges seq and returns what it yielded, as errors: nil for a
// value.
func errorsOf[V any](seq func(func(V, error) bool)) []error {
	var errs []error
	for _, err := range seq {
		errs = append(errs, err)
	}
	return errs
}

// drainErr drains ch, and returns nil for each value and stop's error.
func drainErr[V any](ch <-chan V, stop func() error) []error {
	var errs []error
	for range ch {
		errs = append(errs, nil)
	}
	return append(errs, stop())
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

// TestBadCursor checks the refusals, and their words, in the three ways
// a scan resumes: a file, a reader that seeks, and one read up to the
// cursor.
func TestBadCursor(t *testing.T) {
	const in = "a\nb\n"
	path := writeFile(t, in)
	for _, tc := range []struct {
		c, why string
		noSeek bool // only a reader read up to the cursor can tell
	}{
		{c: "x", why: "not a v1 cursor"},
		{c: "v2:2:2", why: "not a v1 cursor"},
		{c: "2:2", why: `a cursor of before v1: prefix it with "v1:"`},
		{c: "v1:1", why: "want v1:<offset>:<line>, in decimal"},
		{c: "v1::", why: "want v1:<offset>:<line>, in decimal"},
		{c: "v1:01:1", why: "want v1:<offset>:<line>, in decimal"},
		{c: "v1:+1:1", why: "want v1:<offset>:<line>, in decimal"},
		{c: " v1:1:1", why: "not a v1 cursor"},
		{c: "v1:1:1 ", why: "want v1:<offset>:<line>, in decimal"},
		{c: "v1:1:99999999999999999999", why: "want v1:<offset>:<line>, in decimal"},
		{c: "v1:-1:1", why: "a negative offset or line"},
		{c: "v1:1:-1", why: "a negative offset or line"},
		{c: "v1:1:0", why: "line 0; want 1 or more"},
		{c: "v1:1:3", why: "line 3 cannot be at offset 1"},
		{c: "v1:99:3", why: "offset 99 is past the end of the input (4 bytes)"},
		{c: "v1:5:1", why: "offset 5 is past the end of the input (4 bytes)"},
		{c: "v1:2:1", why: "offset 2 is on line 2 of the input", noSeek: true},
		{c: "v1:1:2", why: "offset 1 is on line 1 of the input", noSeek: true},
	} {
		want := fmt.Sprintf("scanner: bad cursor %q: %s", tc.c, tc.why)
		forms := map[string]func(func(Token, error) bool){
			"NoSeek": All(context.Background(), noSeek{strings.NewReader(in)}, &Options{After: tc.c}),
		}
		if !tc.noSeek {
			forms["File"] = File(context.Background(), path, &Options{After: tc.c})
			forms["Reader"] = All(context.Background(), strings.NewReader(in), &Options{After: tc.c})
		}
		for name, seq := range forms {
			got, err := collect(seq)
			if len(got) != 0 || !errors.Is(err, ErrBadCursor) || err.Error() != want {
				t.Errorf("%s After %q: %v, %v; want nothing and %q", name, tc.c, got, err, want)
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

// TestAliasing checks what the doc promises: the batches and the channel
// forms hand out memory of their own, which an append does not share with
// the next token and the scanner does not write again, over an input of
// several read buffers, each line its own.
func TestAliasing(t *testing.T) {
	var in strings.Builder
	const lines = 3 * readSize / 8
	for i := range lines {
		fmt.Fprintf(&in, "%07d\n", i)
	}
	keep := func(form string, kept []Token) {
		t.Helper()
		if len(kept) != lines {
			t.Fatalf("%s: %d tokens, want %d", form, len(kept), lines)
		}
		for i, tok := range kept {
			if want := fmt.Sprintf("%07d", i); string(tok.Bytes) != want {
				t.Fatalf("%s: kept token %d is %q, want %q", form, i, tok.Bytes, want)
			}
		}
	}
	var kept []Token
	ch, stop := Stream(context.Background(), strings.NewReader(in.String()), nil, nil)
	for tok := range ch {
		kept = append(kept, tok)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	keep("Stream", kept)
	batches := func(b []Token) {
		for i := range b {
			_ = append(b[i].Bytes, 'X') // must not reach b[i+1]
		}
		kept = append(kept, b...)
	}
	kept = nil
	bch, bstop := BatchesStream(context.Background(), strings.NewReader(in.String()), &Options{BatchSize: 7}, nil)
	for b := range bch {
		batches(b)
	}
	if err := bstop(); err != nil {
		t.Fatal(err)
	}
	keep("BatchesStream", kept)
	// The iterator, over reads of all sizes: a batch is yielded before
	// each Read, and its tokens still keep.
	kept = nil
	for b, err := range Batches(context.Background(), &chunkReader{data: []byte(in.String()), sizes: []int{25, 64 << 10, 1}}, &Options{BatchSize: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		batches(b)
	}
	keep("Batches", kept)
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
