package sluice

import (
	"context"
	"errors"
	"iter"
)

var errNilStreams = errors.New("sluice: Bridge of a nil channel")

// Bridge ranges, one after the other, the iterators received from streams
// and sends their values on the returned channel: a channel of streams
// flattened in order. It is for parts produced by another goroutine as it
// goes (a partition per message, a file per event); when the parts are an
// iterator, use Stream(ctx, Flatten(parts), opts).
//
// The channel is closed when streams is closed and the last part has ended,
// or at the first error of a part, which stop then returns; otherwise stop
// behaves as [Stream]'s. Parts still waiting in streams when Bridge ends
// are left there unranged: a lazy iterator holds nothing until it is
// ranged, so nothing leaks.
func Bridge[V any](ctx context.Context, streams <-chan iter.Seq2[V, error], opts *StreamOptions) (<-chan V, func() error) {
	var missing error
	if streams == nil {
		missing = errNilStreams
	}
	out, r, ok := startRun[V](ctx, opts, missing)
	if !ok {
		return out, r.stop
	}
	r.goLabeled(func() {
		defer r.finish(func() { close(out) })
		returned := false
		defer r.guard(&returned)
		bridge(r, out, streams)
		returned = true
	})
	return out, r.stop
}

// bridge ranges the parts received from streams one after the other, until
// streams is closed, a part fails, or the run is done.
func bridge[V any](r *run, out chan<- V, streams <-chan iter.Seq2[V, error]) {
	done := r.ctx.Done()
	for {
		var seq iter.Seq2[V, error]
		select {
		case s, ok := <-streams:
			if !ok {
				return
			}
			seq = s
		case <-done:
			r.fail(ContextError(r.ctx))
			return
		}
		if seq == nil {
			r.fail(errNilSeq)
			return
		}
		produce(r, out, seq, nil)
		if r.ctx.Err() != nil {
			// The part failed (fail cancels the run) or the run was
			// canceled: either way the stream ends here, with an error.
			r.fail(ContextError(r.ctx))
			return
		}
	}
}
