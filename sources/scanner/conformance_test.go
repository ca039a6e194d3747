package scanner

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/conformance"
)

// fixture has CRLF, an empty line, leading spaces and multi-byte runes;
// without its last "\n", it ends with a line without one.
const fixture = "alpha\nbeta\r\n\n  gamma delta\nεψιλον\r\nzeta eta\ntheta\n\niota kappa\nlast\n"

// prefix returns the bytes of the input up to the cursor of want[n-1]:
// what a reader that fails or stalls after n tokens returns first.
func prefix(data string, want []Token, n int) []byte {
	if n == 0 {
		return nil
	}
	return []byte(data[:want[n-1].next])
}

// lazy defers building seq to its range, so that the suite's Lazy check
// sees nothing started (a pipe made, a goroutine run) before it.
func lazy[V any](mk func() iter.Seq2[V, error]) iter.Seq2[V, error] {
	return func(yield func(V, error) bool) { mk()(yield) }
}

// osPipe returns the read end of an os.Pipe holding data, whose write end
// stays open until the test ends: a Read past data blocks, and only the
// read deadline set on cancellation unblocks it.
func osPipe(t *testing.T, data []byte) *os.File {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	return r
}

// ioPipe is osPipe with an io.Pipe, which has no read deadline: only
// CloseOnCancel unblocks it.
func ioPipe(t *testing.T, data []byte) *io.PipeReader {
	r, w := io.Pipe()
	t.Cleanup(func() { r.Close(); w.Close() })
	go w.Write(data) // returns when all is read, or at the Close above
	return r
}

// badCursors are cursors every form must refuse for data: malformed, of
// another version, the bare form of before v1 (of a real position),
// negative, a line that cannot be at its offset, and an offset past the
// end of data.
func badCursors(data string) []string {
	return []string{
		"garbage", "v1:", "v1:6", "v1:x:1", "v1:06:2", "v1:6:2:1", "v1:6:0",
		"v2:6:2",             // another version
		"6:2",                // the bare cursor of before v1
		"v1:-6:2", "v1:6:-2", // negative
		"v1:6:9",                            // 8 "\n" in 6 bytes
		fmt.Sprintf("v1:%d:1", len(data)+1), // past the end
	}
}

// pipeBadCursors adds what a reader read up to the cursor also refuses:
// an offset on another line than the cursor says, the start of the second
// line said to be on the first.
func pipeBadCursors(data string) []string {
	second := strings.IndexByte(data, '\n') + 1
	return append(badCursors(data), fmt.Sprintf("v1:%d:1", second))
}

func TestConformance(t *testing.T) {
	words := &Options{Split: bufio.ScanWords}
	for _, tc := range []struct {
		name string
		opts *Options
	}{
		{"Lines", nil},
		{"Words", words},
		{"Lines/MaxTokenSize=16", &Options{MaxTokenSize: 16}},
	} {
		t.Run(tc.name, func(t *testing.T) { testReaderAndFile(t, fixture, tc.opts) })
	}
	// A last line without "\n": a source that fails after it cannot be
	// made (the scan yields it only at the end of the input), so this
	// run leaves out StreamFail, which fails a source after all of Want.
	t.Run("Unterminated", func(t *testing.T) { testReaderAndFile(t, strings.TrimSuffix(fixture, "\n"), nil) })
	t.Run("CloseOnCancel", func(t *testing.T) {
		want := ref([]byte(fixture), nil)
		opts := &Options{CloseOnCancel: true}
		conformance.Test(t, conformance.Source[Token]{
			All: func(ctx context.Context) iter.Seq2[Token, error] {
				return cloned(All(ctx, strings.NewReader(fixture), opts))
			},
			SingleUse: true,
			Want:      want,
			Equal:     equalTokens,
			Stall: func(ctx context.Context, n int) iter.Seq2[Token, error] {
				return lazy(func() iter.Seq2[Token, error] { return All(ctx, ioPipe(t, prefix(fixture, want, n)), opts) })
			},
			StreamStall: func(ctx context.Context, n int) (<-chan Token, func() error) {
				return Stream(ctx, ioPipe(t, prefix(fixture, want, n)), opts, nil)
			},
		}, nil)
	})
	t.Run("Lines/SmallReads", testSmallReads)
	t.Run("Batches", testBatches)
}

// testSmallReads runs the suite on a reader that returns 50 bytes a Read,
// about 7 of its lines of 7 bytes, which cannot seek: a resumed run reads
// up to the cursor across Reads, and every Read ends within a line, which
// waits in the buffer for the next. PageSize tells Resume where the Reads
// turn over.
func testSmallReads(t *testing.T) {
	const lines, readLen, lineLen = 150, 50, 7
	var b strings.Builder
	for i := range lines {
		fmt.Fprintf(&b, "%06d\n", i)
	}
	data := b.String()
	want := ref([]byte(data), nil)
	reader := func(data []byte) io.Reader { return &chunkReader{data: data, sizes: []int{readLen}} }
	conformance.Test(t, conformance.Source[Token]{
		All: func(ctx context.Context) iter.Seq2[Token, error] {
			return cloned(All(ctx, reader([]byte(data)), nil))
		},
		Stream: func(ctx context.Context) (<-chan Token, func() error) {
			return Stream(ctx, reader([]byte(data)), nil, nil)
		},
		SingleUse: true,
		Want:      want,
		Equal:     equalTokens,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[Token, error] {
			return All(ctx, io.MultiReader(reader(prefix(data, want, n)), &failReader{err: err}), nil)
		},
		StreamFail: func(ctx context.Context, n int, err error) (<-chan Token, func() error) {
			return Stream(ctx, io.MultiReader(reader(prefix(data, want, n)), &failReader{err: err}), nil, nil)
		},
		Cursor: Token.Cursor,
		After: func(ctx context.Context, c string) iter.Seq2[Token, error] {
			return cloned(All(ctx, reader([]byte(data)), &Options{After: c}))
		},
		PageSize:   readLen / lineLen,
		BadCursors: pipeBadCursors(data),
	}, nil)
}

// testReaderAndFile runs the suite on the reader and the file forms.
func testReaderAndFile(t *testing.T, data string, opts *Options) {
	var split bufio.SplitFunc
	if opts != nil {
		split = opts.Split
	}
	want := ref([]byte(data), split)
	path := writeFile(t, data)
	after := func(c string) *Options {
		o := *opts.orDefault()
		o.After = c
		return &o
	}
	reader := conformance.Source[Token]{
		All: func(ctx context.Context) iter.Seq2[Token, error] {
			return cloned(All(ctx, strings.NewReader(data), opts))
		},
		Stream: func(ctx context.Context) (<-chan Token, func() error) {
			return Stream(ctx, strings.NewReader(data), opts, nil)
		},
		SingleUse: true,
		Want:      want,
		Equal:     equalTokens,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[Token, error] {
			return All(ctx, &failReader{prefix(data, want, n), err}, opts)
		},
		Stall: func(ctx context.Context, n int) iter.Seq2[Token, error] {
			return All(ctx, &stallReader{ctx, prefix(data, want, n)}, opts)
		},
		StreamStall: func(ctx context.Context, n int) (<-chan Token, func() error) {
			return Stream(ctx, osPipe(t, prefix(data, want, n)), opts, nil)
		},
		Cursor: Token.Cursor,
		After: func(ctx context.Context, c string) iter.Seq2[Token, error] {
			return cloned(All(ctx, strings.NewReader(data), after(c)))
		},
		BadCursors: badCursors(data),
	}
	if strings.HasSuffix(data, "\n") {
		reader.StreamFail = func(ctx context.Context, n int, err error) (<-chan Token, func() error) {
			return Stream(ctx, &failReader{prefix(data, want, n), err}, opts, nil)
		}
	}
	t.Run("Reader", func(t *testing.T) { conformance.Test(t, reader, nil) })

	// A reader that cannot seek is resumed by reading up to the cursor;
	// one stalled on an os.Pipe is reached by the read deadline.
	pipe := reader
	pipe.After = func(ctx context.Context, c string) iter.Seq2[Token, error] {
		return cloned(All(ctx, noSeek{strings.NewReader(data)}, after(c)))
	}
	pipe.BadCursors = pipeBadCursors(data)
	pipe.Stall = func(ctx context.Context, n int) iter.Seq2[Token, error] {
		return lazy(func() iter.Seq2[Token, error] { return All(ctx, osPipe(t, prefix(data, want, n)), opts) })
	}
	t.Run("Pipe", func(t *testing.T) { conformance.Test(t, pipe, nil) })

	t.Run("File", func(t *testing.T) {
		conformance.Test(t, conformance.Source[Token]{
			All:        func(ctx context.Context) iter.Seq2[Token, error] { return cloned(File(ctx, path, opts)) },
			Stream:     func(ctx context.Context) (<-chan Token, func() error) { return FileStream(ctx, path, opts, nil) },
			Want:       want,
			Equal:      equalTokens,
			Fail:       reader.Fail,
			StreamFail: reader.StreamFail,
			Cursor:     Token.Cursor,
			After: func(ctx context.Context, c string) iter.Seq2[Token, error] {
				return cloned(File(ctx, path, after(c)))
			},
			BadCursors: badCursors(data),
			Open:       func() int { return int(openFiles.Load()) },
		}, nil)
	})
}

// testBatches runs the suite on the batched forms, with batches of two: a
// fixture whose lines all end with "\n", read whole by the first Read,
// comes in full batches.
func testBatches(t *testing.T) {
	const data = "one\ntwo\r\n\nfour\nfive\nsix\n"
	opts := &Options{BatchSize: 2}
	tokens := ref([]byte(data), nil)
	var want [][]Token
	for i := 0; i < len(tokens); i += 2 {
		want = append(want, tokens[i:i+2])
	}
	path := writeFile(t, data)
	after := func(c string) *Options { return &Options{BatchSize: 2, After: c} }
	reader := conformance.Source[[]Token]{
		All: func(ctx context.Context) iter.Seq2[[]Token, error] {
			return Batches(ctx, strings.NewReader(data), opts)
		},
		Stream: func(ctx context.Context) (<-chan []Token, func() error) {
			return BatchesStream(ctx, strings.NewReader(data), opts, nil)
		},
		SingleUse: true,
		Want:      want,
		Equal:     equalBatches,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[[]Token, error] {
			return Batches(ctx, &failReader{prefix(data, tokens, 2*n), err}, opts)
		},
		StreamFail: func(ctx context.Context, n int, err error) (<-chan []Token, func() error) {
			return BatchesStream(ctx, &failReader{prefix(data, tokens, 2*n), err}, opts, nil)
		},
		Stall: func(ctx context.Context, n int) iter.Seq2[[]Token, error] {
			return Batches(ctx, &stallReader{ctx, prefix(data, tokens, 2*n)}, opts)
		},
		StreamStall: func(ctx context.Context, n int) (<-chan []Token, func() error) {
			return BatchesStream(ctx, osPipe(t, prefix(data, tokens, 2*n)), opts, nil)
		},
		Cursor: func(b []Token) string { return b[len(b)-1].Cursor() },
		After: func(ctx context.Context, c string) iter.Seq2[[]Token, error] {
			return Batches(ctx, noSeek{strings.NewReader(data)}, after(c))
		},
		BadCursors: pipeBadCursors(data),
	}
	t.Run("Reader", func(t *testing.T) { conformance.Test(t, reader, nil) })
	t.Run("File", func(t *testing.T) {
		file := reader
		file.SingleUse = false
		file.All = func(ctx context.Context) iter.Seq2[[]Token, error] { return FileBatches(ctx, path, opts) }
		file.Stream = func(ctx context.Context) (<-chan []Token, func() error) {
			return FileBatchesStream(ctx, path, opts, nil)
		}
		file.Stall, file.StreamStall = nil, nil
		file.After = func(ctx context.Context, c string) iter.Seq2[[]Token, error] {
			return FileBatches(ctx, path, after(c))
		}
		file.BadCursors = badCursors(data)
		file.Open = func() int { return int(openFiles.Load()) }
		conformance.Test(t, file, nil)
	})
}
