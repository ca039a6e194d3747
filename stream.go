package sluice

import (
	"context"
	"fmt"
	"iter"
	"time"
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

	// BatchSize is the most values in one batch of [StreamBatches].
	// Zero means DefaultBatchSize (256).
	BatchSize int

	// BatchWait is the longest the first value of a batch of
	// [StreamBatches] waits for the batch to fill before it is sent
	// anyway. Zero means DefaultBatchWait (5ms).
	BatchWait time.Duration
}

func (o *StreamOptions) batchSize() int {
	if o == nil || o.BatchSize == 0 {
		return DefaultBatchSize
	}
	return o.BatchSize
}

func (o *StreamOptions) batchWait() time.Duration {
	if o == nil || o.BatchWait == 0 {
		return DefaultBatchWait
	}
	return o.BatchWait
}

func (o *StreamOptions) buffer() int {
	if o == nil || o.Buffer < 0 {
		return 0
	}
	return o.Buffer
}

// Check reports the first option of o that cannot be honoured, or nil; a
// nil o is valid. Every channel form checks its StreamOptions this way
// before it starts; a source whose channel form does setup of its own
// before it starts the producer (placing watches, say) calls Check first,
// so that invalid options are reported before anything is set up.
func (o *StreamOptions) Check() error {
	switch {
	case o == nil:
	case o.Buffer < 0:
		return fmt.Errorf("sluice: StreamOptions.Buffer is %d, want 0 or more", o.Buffer)
	case o.BatchSize < 0:
		return fmt.Errorf("sluice: StreamOptions.BatchSize is %d, want 0 or more", o.BatchSize)
	case o.BatchWait < 0:
		return fmt.Errorf("sluice: StreamOptions.BatchWait is %v, want 0 or more", o.BatchWait)
	}
	return nil
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
// exits even if nobody reads the channel again. But seq was built before
// Stream was called, with a context of the caller's: while it is blocked
// inside its source (a read, a query) rather than in a send, only that
// context reaches it, and stop waits for it to return. When stop must
// interrupt a blocked source, use [StreamFunc], which builds the iterator
// with a context that stop cancels.
//
// If seq panics, the panic is recovered in the producer, the channel is
// closed, and stop panics with a [*PanicError] carrying the value and the
// producer's stack.
func Stream[V any](ctx context.Context, seq iter.Seq2[V, error], opts *StreamOptions) (<-chan V, func() error) {
	if seq == nil {
		return StreamFunc[V](ctx, nil, opts)
	}
	return StreamFunc(ctx, func(context.Context) iter.Seq2[V, error] { return seq }, opts)
}

// StreamFunc is like [Stream], but it builds the iterator itself: it calls
// f in the producer goroutine with a context derived from ctx that stop
// cancels, so that stop reaches a source blocked inside its underlying API
// and not only one blocked in a send. It is how a source package writes
// its Stream:
//
//	func Stream(ctx context.Context, root string, opts *Options, sopts *sluice.StreamOptions) (<-chan Entry, func() error) {
//		return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[Entry, error] {
//			return All(ctx, root, opts)
//		}, sopts)
//	}
//
// When stop cancels that context, its cause is an internal sentinel, and
// the cancellation error the source then yields is not reported: stop
// returns nil, as for any stream its consumer stopped.
func StreamFunc[V any](ctx context.Context, f func(context.Context) iter.Seq2[V, error], opts *StreamOptions) (<-chan V, func() error) {
	return streamFunc(ctx, f, opts, nil)
}

// StreamBatched is [StreamFunc] for an iterator whose values are batches:
// it sends each batch as the iterator yields it, and its Observer hears,
// in [SendEvent].Values and [EndEvent].Items, the values of the batches,
// not the batches. It is how a source that makes its own batches writes
// its batched channel form (scanner.BatchesStream, whose batches follow its
// reads, so that it needs no timer); for any other, [StreamBatches] makes
// the batches.
func StreamBatched[V any](ctx context.Context, f func(context.Context) iter.Seq2[[]V, error], opts *StreamOptions) (<-chan []V, func() error) {
	return streamFunc(ctx, f, opts, func(b []V) int { return len(b) })
}

// streamFunc is StreamFunc, where count, if not nil, says how many values
// each value of the iterator carries.
func streamFunc[V any](ctx context.Context, f func(context.Context) iter.Seq2[V, error], opts *StreamOptions, count func(V) int) (<-chan V, func() error) {
	out, r, ok := startRun[V](ctx, opts, nilSeq(f == nil))
	if ok {
		r.goLabeled(func() {
			defer r.finish(func() { close(out) })
			producePartN(r, out, f, count)
		})
	}
	return out, r.stop
}

// nilSeq returns errNilSeq if nil is set.
func nilSeq(isNil bool) error {
	if isNil {
		return errNilSeq
	}
	return nil
}

// producePart is the body of a producer goroutine given a constructor: it
// builds the iterator with the run's context, so that stop and the run's
// first error reach the source itself, and sends its values.
func producePart[V any](r *run, out chan<- V, f func(context.Context) iter.Seq2[V, error]) {
	producePartN(r, out, f, nil)
}

// producePartN is producePart, where count, if not nil, says how many
// values each value of the iterator carries.
func producePartN[V any](r *run, out chan<- V, f func(context.Context) iter.Seq2[V, error], count func(V) int) {
	returned := false
	defer r.guard(&returned)
	if seq := f(r.ctx); seq != nil {
		produce(r, out, seq, count)
	} else {
		r.fail(errNilSeq)
	}
	returned = true
}

// produce sends the values of seq on out until seq ends, fails, or the
// run's context is done. count, if not nil, says how many values each
// value of seq carries.
func produce[V any](r *run, out chan<- V, seq iter.Seq2[V, error], count func(V) int) {
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
		n := 1
		if count != nil {
			n = count(v)
		}
		if !send(r, out, done, v, n) {
			stopped = true
			return false
		}
		return true
	})
}

// FailedStream returns the channel form of a stream whose setup failed before
// it produced anything: a closed channel, and a stop that returns err.
// It is what a source's Stream returns when it must report an error
// synchronously (an invalid option, a root that does not exist, a watch
// that could not be added), as the package documentation's channel rules
// ask.
func FailedStream[V any](err error) (<-chan V, func() error) {
	ch := make(chan V)
	close(ch)
	return ch, func() error { return err }
}
