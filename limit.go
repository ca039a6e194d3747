package sluice

import (
	"context"
	"errors"
	"iter"
)

// A Limiter paces a stream: Wait blocks until the next value, or request,
// may go, or until ctx is done, when it returns an error. The
// *rate.Limiter of golang.org/x/time/rate, the ecosystem's token bucket,
// satisfies it: rate.NewLimiter(r, b) lets r values a second go, after a
// burst of up to b, and its Wait returns at once an error of its own when
// ctx's deadline would pass first. The root package depends on nothing,
// so it names only the method it calls.
//
// Besides [Limit], the sources that pay for each request take one: the
// Limiter options of s3list.Options and sqlrows.KeysetOptions are waited
// on before each page's request.
type Limiter interface {
	Wait(ctx context.Context) error
}

var errNilLimiter = errors.New("sluice: Limit with a nil Limiter")

// Limit returns an iterator over the values of seq, each yielded once
// lim.Wait(ctx) has let it go: at most r values a second, after a burst of
// b, with rate.NewLimiter(r, b). It waits before each value is yielded,
// while seq, which yielded it, waits too: a source that makes a request
// for each value is paced with it. Use it to keep a consumer from
// overloading a server (a sink's writes, an API's calls) or a bill.
//
// Waiting ends when ctx is done: the value waiting is dropped and the
// stream ends with ctx's error ([ContextError]). Any other error of Wait
// (x/time/rate's when ctx's deadline would pass first) ends the stream
// with that error. An error of seq ends it at once, without a wait.
//
// Limit is as re-iterable as seq. A nil seq or lim is the iterator's only
// error.
func Limit[V any](ctx context.Context, seq iter.Seq2[V, error], lim Limiter) iter.Seq2[V, error] {
	switch {
	case seq == nil:
		return Fail[V](errNilSeq)
	case lim == nil:
		return Fail[V](errNilLimiter)
	}
	return func(yield func(V, error) bool) {
		stopped := false
		seq(func(v V, err error) bool {
			if stopped {
				return false // a broken seq that keeps yielding
			}
			if err == nil {
				err = wait(ctx, lim)
			}
			if err != nil {
				var zero V
				yield(zero, err)
				stopped = true
				return false
			}
			if !yield(v, nil) {
				stopped = true
				return false
			}
			return true
		})
	}
}

// LimitStream is the channel form of [Limit]: [StreamFunc] of the
// iterator that src returns, each value sent once lim.Wait has let it go.
// Wait is called with the stream's context, so stop ends a wait too.
func LimitStream[V any](ctx context.Context, src func(context.Context) iter.Seq2[V, error], lim Limiter, opts *StreamOptions) (<-chan V, func() error) {
	switch {
	case src == nil:
		return FailedStream[V](errNilSeq)
	case lim == nil:
		return FailedStream[V](errNilLimiter)
	}
	return StreamFunc(ctx, func(ctx context.Context) iter.Seq2[V, error] {
		return Limit(ctx, src(ctx), lim)
	}, opts)
}

// wait waits on lim, and returns ctx's error when ctx is done by the end
// of the wait, whatever lim made of it.
func wait(ctx context.Context, lim Limiter) error {
	err := lim.Wait(ctx)
	if err == nil {
		return nil
	}
	if cerr := ContextError(ctx); cerr != nil {
		return cerr
	}
	return err
}
