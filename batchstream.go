package sluice

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"
)

var errNilBatchIn = errors.New("sluice: BatchStream of a nil channel")

// BatchStream sends the values received from in in batches of up to n,
// in order: a batch is sent when it is full, or when its first value has
// waited wait for the rest, whichever comes first, so that a slow trickle
// of values (a watch between bursts) is never held back waiting for a full
// batch, and a burst goes out n values a send. With a wait of 0 a batch is
// sent as soon as no more values are ready: it holds what had arrived,
// and adds no delay.
//
// in and stop are a stream, as a channel form returns them (stop may be
// nil for a channel without one); BatchStream takes them over. It calls
// stop when it ends: when in is closed, after the last batch is sent, and
// stop's error is then its own terminal error; and when the batch stream
// is stopped or its context is done, even while no value comes, so that
// stopping it stops the stream it reads. Each batch is a new slice, which
// the consumer may keep.
//
//	events, stopWatch := watch.Stream(ctx, dir, nil, nil) // the watches are in place when it returns
//	batches, stop := sluice.BatchStream(ctx, events, stopWatch, 500, time.Second, nil)
//	defer stop()
//	for batch := range batches {
//		write(batch) // one request, one transaction, a second at most after its first event
//	}
//	if err := stop(); err != nil {
//		return err
//	}
//
// Why a channel stage: a batch sent on time while no value comes needs a
// goroutine that is not waiting for the next value. An iterator's
// consumer runs inside the source's yield, or waits for the source to
// call it, and cannot send a batch meanwhile; [Batch] therefore groups by
// count alone. Over an iterator, [StreamBatches] is the batching channel
// form, with StreamOptions.BatchSize and BatchWait; BatchStream is for a
// source already in its channel form, which is how a watch is read
// (watch.Stream places its watches before it returns, so no event is
// missed), or another stage's output. Its iterator form is
// FromStream(BatchStream(…)).
//
// While a batch waits for the consumer, the next is not begun: values
// wait in in, as much as its buffer holds. n and wait take the place of
// opts.BatchSize and BatchWait, which BatchStream does not read.
// opts.Observer hears each batch, with [SendEvent].Values its length. In
// all else the channel and stop
// behave as [Stream]'s. An n below 1 or a negative wait is an error, as
// is a nil in; stop is then called at once.
func BatchStream[V any](ctx context.Context, in <-chan V, stop func() error, n int, wait time.Duration, opts *StreamOptions) (<-chan []V, func() error) {
	if stop == nil {
		stop = func() error { return nil }
	}
	var bad error
	switch {
	case in == nil:
		bad = errNilBatchIn
	case n < 1:
		bad = fmt.Errorf("sluice: BatchStream of batches of %d, want at least 1", n)
	case wait < 0:
		bad = fmt.Errorf("sluice: BatchStream with a wait of %v, want 0 or more", wait)
	}
	if bad == nil {
		bad = opts.Check()
	}
	if bad != nil {
		stop() // it is ours, and nothing will read it
	}
	out, r, ok := startRun[[]V](ctx, opts, bad)
	if !ok {
		return out, r.stop
	}
	r.goLabeled(func() {
		defer r.finish(func() { close(out) })
		returned := false
		defer keepGuard(r, &returned)
		if batchLoop(r, out, in, n, wait) {
			// in was closed: the stream it came from has ended, and
			// its stop says how.
			if err := stop(); err != nil {
				r.fail(err)
			}
		} else {
			// Stopped, canceled, or the send failed: stop the stream
			// read, and wait for it, before the channel is closed.
			stop()
		}
		returned = true
	})
	return out, r.stop
}

// batchLoop sends the batches, and reports whether in was closed (the
// last batch sent), rather than the run done.
func batchLoop[V any](r *run, out chan<- []V, in <-chan V, n int, wait time.Duration) (closed bool) {
	done := r.ctx.Done()
	var timer *time.Timer
	if wait > 0 {
		timer = time.NewTimer(time.Hour)
		timer.Stop()
		defer timer.Stop()
	}
	for {
		var v V
		var ok bool
		select {
		case v, ok = <-in:
		case <-done:
			r.fail(ContextError(r.ctx))
			return false
		}
		if !ok {
			return true
		}
		batch := make([]V, 1, min(n, 64))
		batch[0] = v
		if wait > 0 && n > 1 {
			timer.Reset(wait) // the first value's wait begins
		}
	fill:
		for len(batch) < n {
			select {
			case v, ok = <-in:
			default:
				if wait == 0 {
					break fill // all that is ready
				}
				select {
				case v, ok = <-in:
				case <-timer.C:
					break fill
				case <-done:
					r.fail(ContextError(r.ctx))
					return false
				}
			}
			if !ok {
				closed = true
				break
			}
			batch = append(batch, v)
		}
		if timer != nil {
			timer.Stop()
		}
		if !send(r, out, done, batch, len(batch)) {
			return false
		}
		if closed {
			return true
		}
	}
}

// keepGuard is run.guard, keeping as it is a *PanicError raised with the
// stack of another goroutine: by the stop of the stream BatchStream reads,
// or by a source MapStream's workers take from (see withStack).
func keepGuard(r *run, returned *bool) {
	v := recover()
	if p, ok := v.(*PanicError); ok {
		r.recover(p.Value, p.Stack)
		return
	}
	if v != nil {
		r.recover(v, debug.Stack())
		return
	}
	if !*returned {
		r.fail(errGoexit)
	}
}
