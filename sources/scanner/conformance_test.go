package scanner

import (
	"bufio"
	"context"
	"io"
	"iter"
	"os"
	"strings"
	"testing"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
)

// fixture has CRLF, an empty line, leading spaces, multi-byte runes and a
// last line without "\n".
const fixture = "alpha\nbeta\r\n\n  gamma delta\nεψιλον\r\nzeta eta\ntheta\n\niota kappa\nlast"

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
		t.Run(tc.name, func(t *testing.T) { testReaderAndFile(t, tc.opts) })
	}
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
				return Stream(ctx, ioPipe(t, prefix(fixture, want, n)), opts)
			},
		}, nil)
	})
	t.Run("Batches", testBatches)
}

// testReaderAndFile runs the suite on the reader and the file forms.
func testReaderAndFile(t *testing.T, opts *Options) {
	var split bufio.SplitFunc
	if opts != nil {
		split = opts.Split
	}
	want := ref([]byte(fixture), split)
	path := writeFile(t, fixture)
	after := func(c string) *Options {
		o := *opts.orDefault()
		o.After = c
		return &o
	}
	reader := conformance.Source[Token]{
		All: func(ctx context.Context) iter.Seq2[Token, error] {
			return cloned(All(ctx, strings.NewReader(fixture), opts))
		},
		Stream: func(ctx context.Context) (<-chan Token, func() error) {
			return Stream(ctx, strings.NewReader(fixture), opts)
		},
		SingleUse: true,
		Want:      want,
		Equal:     equalTokens,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[Token, error] {
			return All(ctx, &failReader{prefix(fixture, want, n), err}, opts)
		},
		Stall: func(ctx context.Context, n int) iter.Seq2[Token, error] {
			return All(ctx, &stallReader{ctx, prefix(fixture, want, n)}, opts)
		},
		StreamStall: func(ctx context.Context, n int) (<-chan Token, func() error) {
			return Stream(ctx, osPipe(t, prefix(fixture, want, n)), opts)
		},
		Cursor: Token.Cursor,
		After: func(ctx context.Context, c string) iter.Seq2[Token, error] {
			return cloned(All(ctx, strings.NewReader(fixture), after(c)))
		},
	}
	t.Run("Reader", func(t *testing.T) { conformance.Test(t, reader, nil) })

	// A reader that cannot seek is resumed by reading up to the cursor;
	// one stalled on an os.Pipe is reached by the read deadline.
	pipe := reader
	pipe.After = func(ctx context.Context, c string) iter.Seq2[Token, error] {
		return cloned(All(ctx, noSeek{strings.NewReader(fixture)}, after(c)))
	}
	pipe.Stall = func(ctx context.Context, n int) iter.Seq2[Token, error] {
		return lazy(func() iter.Seq2[Token, error] { return All(ctx, osPipe(t, prefix(fixture, want, n)), opts) })
	}
	t.Run("Pipe", func(t *testing.T) { conformance.Test(t, pipe, nil) })

	t.Run("File", func(t *testing.T) {
		conformance.Test(t, conformance.Source[Token]{
			All:    func(ctx context.Context) iter.Seq2[Token, error] { return cloned(File(ctx, path, opts)) },
			Stream: func(ctx context.Context) (<-chan Token, func() error) { return FileStream(ctx, path, opts) },
			Want:   want,
			Equal:  equalTokens,
			Fail:   reader.Fail,
			Cursor: Token.Cursor,
			After: func(ctx context.Context, c string) iter.Seq2[Token, error] {
				return cloned(File(ctx, path, after(c)))
			},
			Open: func() int { return int(openFiles.Load()) },
		}, nil)
	})
}

// testBatches runs the suite on the batched channel forms, with batches of
// two: a fixture whose lines all end with "\n", read whole by the first
// Read, comes in full batches.
func testBatches(t *testing.T) {
	const data = "one\ntwo\r\n\nfour\nfive\nsix\n"
	opts := &Options{BatchSize: 2}
	tokens := ref([]byte(data), nil)
	var want [][]Token
	for i := 0; i < len(tokens); i += 2 {
		want = append(want, tokens[i:i+2])
	}
	path := writeFile(t, data)
	iterate := func(mk func() (<-chan []Token, func() error)) iter.Seq2[[]Token, error] {
		return lazy(func() iter.Seq2[[]Token, error] { return sluice.FromStream(mk()) })
	}
	conformance.Test(t, conformance.Source[[]Token]{
		All: func(ctx context.Context) iter.Seq2[[]Token, error] {
			return iterate(func() (<-chan []Token, func() error) { return FileBatches(ctx, path, opts) })
		},
		Stream: func(ctx context.Context) (<-chan []Token, func() error) { return FileBatches(ctx, path, opts) },
		Want:   want,
		Equal:  equalBatches,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[[]Token, error] {
			return iterate(func() (<-chan []Token, func() error) {
				return Batches(ctx, &failReader{prefix(data, tokens, 2*n), err}, opts)
			})
		},
		StreamStall: func(ctx context.Context, n int) (<-chan []Token, func() error) {
			return Batches(ctx, osPipe(t, prefix(data, tokens, 2*n)), opts)
		},
		Cursor: func(b []Token) string { return b[len(b)-1].Cursor() },
		After: func(ctx context.Context, c string) iter.Seq2[[]Token, error] {
			return iterate(func() (<-chan []Token, func() error) {
				return FileBatches(ctx, path, &Options{BatchSize: 2, After: c})
			})
		},
		Open: func() int { return int(openFiles.Load()) },
	}, nil)
}
