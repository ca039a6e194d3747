package sluice

import (
	"context"
	"iter"
	"runtime/debug"
)

// StreamOptions configure the channel form of a stream. A nil
// *StreamOptions means the defaults: an unbuffered channel, no name, no
// observer.
type StreamOptions struct {
	// Buffer is the capacity of the channel: how many values the producer
	// may run ahead of the consumer. Zero, the default, is unbuffered.
	// High-rate sources are better served by Batch than by a large buffer.
	Buffer int

	// Name names the stream. A non-empty Name labels the producer
	// goroutine with the pprof label sluice.stream=<Name>, so it can be
	// found in goroutine and CPU profiles, and is passed to the Observer.
	Name string

	// Observer, if not nil, hears each send and the end of the stream.
	// A nil Observer costs one predictable branch per send.
	Observer Observer
}

func (o *StreamOptions) buffer() int {
	if o == nil || o.Buffer < 0 {
		return 0
	}
	return o.Buffer
}

// Stream runs seq in a new goroutine and sends its values on the returned
// channel: the channel form of an iterator. It is how most sources provide
// their Stream function.
//
// The channel is closed exactly once, when seq ends, fails or is stopped.
// The returned stop function cancels the producer if it is still running,
// waits until its goroutine has exited, and returns the terminal error:
// nil when seq ended without error or the caller stopped it early; the
// parent context's error (see [ContextError]) when ctx was canceled or its
// deadline passed; seq's error otherwise. stop is idempotent and safe to
// defer; a consumer that ranges over the channel must call it to learn
// whether the stream was complete.
//
// Every send selects on the context, so a stopped or canceled producer
// exits even if nobody reads the channel again. seq itself should honour
// ctx, as every sluice source does: a producer blocked inside seq, not in
// a send, exits only when seq returns.
//
// If seq panics, the panic is recovered in the producer, the channel is
// closed, and stop panics with a [*PanicError] carrying the value and the
// producer's stack.
func Stream[V any](ctx context.Context, seq iter.Seq2[V, error], opts *StreamOptions) (<-chan V, func() error) {
	out := make(chan V, opts.buffer())
	r := newRun(ctx, opts)
	if seq == nil {
		r.fail(errNilSeq)
		r.finish(func() { close(out) })
		return out, r.stop
	}
	r.goLabeled(func() {
		defer r.finish(func() { close(out) })
		defer func() {
			if v := recover(); v != nil {
				r.recover(v, debug.Stack())
			}
		}()
		produce(r, out, seq)
	})
	return out, r.stop
}

// produce sends the values of seq on out until seq ends, fails, or the
// run's context is done.
func produce[V any](r *run, out chan<- V, seq iter.Seq2[V, error]) {
	done := r.ctx.Done()
	stopped := false
	seq(func(v V, err error) bool {
		if stopped {
			// seq kept yielding after we returned false: a broken
			// source. Ignore it rather than send on.
			return false
		}
		if err != nil {
			r.fail(err)
			stopped = true
			return false
		}
		if !send(r, out, done, v) {
			stopped = true
			return false
		}
		return true
	})
}
