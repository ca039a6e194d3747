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
// not exist. Invalid options or a malformed opts.After are reported when
// File is called, as the only pair of the iterator.
func File(ctx context.Context, path string, opts *Options) iter.Seq2[Token, error] {
	c, err := newConfig(opts)
	if err != nil {
		return sluice.Fail[Token](err)
	}
	return func(yield func(Token, error) bool) { c.fileTokens(ctx, path, yield) }
}

// FileStream is the channel form of [File]: it scans the file in a new
// goroutine and sends copies of its tokens, safe to keep, on the returned
// channel. stop behaves as [sluice.Stream]'s and interrupts a read blocked
// on a FIFO.
func FileStream(ctx context.Context, path string, opts *Options, sopts *sluice.StreamOptions) (<-chan Token, func() error) {
	c, err := newConfig(opts)
	if err != nil {
		return sluice.FailedStream[Token](err)
	}
	return sluice.StreamFunc(ctx, func(sctx context.Context) iter.Seq2[Token, error] {
		return cloned(func(yield func(Token, error) bool) { c.fileTokens(sctx, path, yield) })
	}, sopts)
}

// FileBatches returns an iterator over the tokens of the file at path in
// batches: as [Batches], for the file at path, which it opens when ranged
// and closes on return; each range reads the file afresh.
func FileBatches(ctx context.Context, path string, opts *Options) iter.Seq2[[]Token, error] {
	c, err := newConfig(opts)
	if err != nil {
		return sluice.Fail[[]Token](err)
	}
	return func(yield func([]Token, error) bool) { c.fileBatches(ctx, path, yield) }
}

// FileBatchesStream is the batched channel form of [File]: it sends the
// batches of [FileBatches], made in a new goroutine, on the returned
// channel. stop behaves as [FileStream]'s.
func FileBatchesStream(ctx context.Context, path string, opts *Options, sopts *sluice.StreamOptions) (<-chan []Token, func() error) {
	c, err := newConfig(opts)
	if err != nil {
		return sluice.FailedStream[[]Token](err)
	}
	return sluice.StreamBatched(ctx, func(sctx context.Context) iter.Seq2[[]Token, error] {
		return func(yield func([]Token, error) bool) { c.fileBatches(sctx, path, yield) }
	}, sopts)
}

// fileTokens scans the file at path.
func (c *config) fileTokens(ctx context.Context, path string, yield func(Token, error) bool) {
	withFile(ctx, path, yield, func(f *os.File) { c.tokens(ctx, f, yield) })
}

// fileBatches scans the file at path in batches.
func (c *config) fileBatches(ctx context.Context, path string, yield func([]Token, error) bool) {
	withFile(ctx, path, yield, func(f *os.File) { c.batches(ctx, f, yield) })
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
