package scanner

import (
	"context"
	"io"
	"iter"

	"github.com/sluice-go/sluice"
)

// All returns an iterator over the tokens of r: its lines unless
// opts.Split says otherwise. It reads r when ranged, and reports a read
// error as the last pair, never hides it. It returns a single-use
// iterator: a reader can be read only once.
//
// Each token's Bytes aliases the read buffer and is valid only until the
// loop body returns (see [Token]).
//
// When ctx is done, a Read blocked on r is interrupted if r has a
// SetReadDeadline method that works (os.Pipe, a net.Conn), or if it is an
// [io.Closer] and opts.CloseOnCancel is set; a Read blocked on another
// reader ends the scan only when it returns.
//
// A nil r, invalid options or a malformed opts.After are reported when All
// is called, as the only pair of the iterator.
func All(ctx context.Context, r io.Reader, opts *Options) iter.Seq2[Token, error] {
	c, err := readerConfig(r, opts)
	if err != nil {
		return sluice.Fail[Token](err)
	}
	return sluice.SingleUse(func(yield func(Token, error) bool) { c.tokens(ctx, r, yield) })
}

// Stream is the channel form of [All]: it scans r in a new goroutine and
// sends its tokens on the returned channel, each a copy safe to keep. stop
// behaves as [sluice.Stream]'s, and reaches a Read blocked on r as a
// canceled ctx does in All.
//
// A channel send costs far more than a line: for a high rate, use
// [BatchesStream].
func Stream(ctx context.Context, r io.Reader, opts *Options, sopts *sluice.StreamOptions) (<-chan Token, func() error) {
	c, err := readerConfig(r, opts)
	if err != nil {
		return sluice.FailedStream[Token](err)
	}
	return sluice.StreamFunc(ctx, func(sctx context.Context) iter.Seq2[Token, error] {
		return cloned(func(yield func(Token, error) bool) { c.tokens(sctx, r, yield) })
	}, sopts)
}

// Batches returns an iterator over the tokens of r in batches of up to
// opts.BatchSize, in order. A batch is yielded when it is full, and
// before each Read of r, so that no token waits for input that may never
// come. It returns a single-use iterator.
//
// The tokens are safe to keep: Batches reads into a new buffer each time
// and never writes over one whose tokens it has yielded, so a token's
// Bytes aliases only that buffer (256 KiB, more for a longer token),
// which keeping the token keeps alive. Keep a [Token.Clone] to keep a few
// tokens of many batches.
func Batches(ctx context.Context, r io.Reader, opts *Options) iter.Seq2[[]Token, error] {
	c, err := readerConfig(r, opts)
	if err != nil {
		return sluice.Fail[[]Token](err)
	}
	return sluice.SingleUse(func(yield func([]Token, error) bool) { c.batches(ctx, r, yield) })
}

// BatchesStream is the batched channel form of [All]: it sends the
// batches of [Batches], made in a new goroutine, on the returned channel.
// stop behaves as [Stream]'s.
func BatchesStream(ctx context.Context, r io.Reader, opts *Options, sopts *sluice.StreamOptions) (<-chan []Token, func() error) {
	c, err := readerConfig(r, opts)
	if err != nil {
		return sluice.FailedStream[[]Token](err)
	}
	return sluice.StreamBatched(ctx, func(sctx context.Context) iter.Seq2[[]Token, error] {
		return func(yield func([]Token, error) bool) { c.batches(sctx, r, yield) }
	}, sopts)
}

// tokens scans r, yielding its tokens and then its error.
func (c *config) tokens(ctx context.Context, r io.Reader, yield func(Token, error) bool) {
	s, release, err := c.start(ctx, r)
	if err != nil {
		yield(Token{}, err)
		return
	}
	defer release()
	if s.run(yield); s.err != nil {
		yield(Token{}, s.err)
	}
}

// cloned returns seq with each token cloned: what the channel forms send.
func cloned(seq iter.Seq2[Token, error]) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		seq(func(t Token, err error) bool {
			if err != nil {
				return yield(t, err)
			}
			return yield(t.Clone(), nil)
		})
	}
}

// batches scans r, yielding its tokens in batches and then its error.
func (c *config) batches(ctx context.Context, r io.Reader, yield func([]Token, error) bool) {
	s, release, err := c.start(ctx, r)
	if err != nil {
		yield(nil, err)
		return
	}
	defer release()
	s.fresh = true // the tokens are handed out without a copy
	size := c.opts.batchSize()
	var batch []Token
	flush := func() bool {
		if len(batch) == 0 {
			return true
		}
		b := batch
		batch = nil
		return yield(b, nil)
	}
	s.flush = flush
	s.run(func(t Token, _ error) bool {
		if batch == nil {
			batch = make([]Token, 0, size)
		}
		batch = append(batch, t)
		return len(batch) < size || flush()
	})
	if s.stopped || !flush() {
		return
	}
	if s.err != nil {
		yield(nil, s.err)
	}
}
