package scanner

import (
	"context"
	"fmt"
	"iter"
	"os"

	"github.com/sluice-go/sluice"
)

// File returns an iterator over the tokens of the file at path: lines
// unless opts.Split says otherwise. It opens the file when ranged and
// closes it on return; each range reads the file afresh. With opts.After
// it seeks to the cursor and yields exactly the tokens after it.
//
// Each token's Bytes aliases the read buffer and is valid only until the
// loop body returns (see [Token]). A file that cannot be opened yields one
// error naming the path, which matches [io/fs.ErrNotExist] when the file does
// not exist.
func File(ctx context.Context, path string, opts *Options) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		withFile(ctx, path, yield, func(f *os.File) { scanReader(ctx, f, opts, yield) })
	}
}

// FileStream is the channel form of [File]: it scans the file in a new
// goroutine and sends copies of its tokens, safe to keep, on the returned
// channel. stop behaves as [sluice.Stream]'s and interrupts a read blocked
// on a FIFO.
func FileStream(ctx context.Context, path string, opts *Options) (<-chan Token, func() error) {
	return sluice.StreamFunc(ctx, func(sctx context.Context) iter.Seq2[Token, error] {
		return cloned(File(sctx, path, opts))
	}, opts.streamOptions())
}

// FileBatches is the batched channel form of [File]: as [Batches], for the
// file at path.
func FileBatches(ctx context.Context, path string, opts *Options) (<-chan []Token, func() error) {
	return sluice.StreamBatched(ctx, func(sctx context.Context) iter.Seq2[[]Token, error] {
		return func(yield func([]Token, error) bool) {
			withFile(sctx, path, yield, func(f *os.File) { scanBatches(sctx, f, opts, yield) })
		}
	}, opts.streamOptions())
}

// testHookOpen, if set, hears each file opened (+1) and closed (-1), for
// the conformance suite's count of open resources.
var testHookOpen func(delta int)

// withFile opens path, calls scan with it, and closes it on return. An
// error opening it is yielded.
func withFile[V any](ctx context.Context, path string, yield func(V, error) bool, scan func(*os.File)) {
	var zero V
	if err := sluice.ContextError(ctx); err != nil {
		yield(zero, err)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		yield(zero, fmt.Errorf("scanner: %w", err)) // a *PathError names the path
		return
	}
	if testHookOpen != nil {
		testHookOpen(1)
	}
	defer func() {
		f.Close() // read-only: nothing to lose
		if testHookOpen != nil {
			testHookOpen(-1)
		}
	}()
	scan(f)
}
