package sluice

import (
	"context"
	"iter"
)

// MapStream is the channel form of [Map]: it sends on the returned channel
// the results of f applied to each value of the iterator that src
// returns, in its order, with up to n calls of f under way at once.
//
// Like [StreamFunc], it takes a function that builds the iterator, and
// calls it with a context that stop cancels, so that stop reaches a source
// blocked inside its API (a watch between events) and not only one
// blocked in a send. The source is ranged by a goroutine of its own, and
// the results are sent by another, so a result is sent as soon as it and
// those before it are done, even while the source waits for its next
// value.
//
// The results, the errors and the order are Map's: the results before the
// first failure in the source's order, then its error from stop, the
// calls after it canceled. At most n values are held by the map at once,
// taken from the source and not yet sent, and at most opts.Buffer results
// wait in the channel: n + opts.Buffer in all, however slow the consumer.
// In all else the channel and stop behave as StreamFunc's: if src or f
// panics, stop panics with a [*PanicError].
func MapStream[V, W any](ctx context.Context, src func(context.Context) iter.Seq2[V, error], n int, f func(context.Context, V) (W, error), opts *StreamOptions) (<-chan W, func() error) {
	return mapStream(ctx, src, n, f, true, opts)
}

// MapUnorderedStream is the channel form of [MapUnordered]: [MapStream]
// with each result sent as its call returns, in no defined order, and the
// first call to fail, in time, ending the stream at once.
func MapUnorderedStream[V, W any](ctx context.Context, src func(context.Context) iter.Seq2[V, error], n int, f func(context.Context, V) (W, error), opts *StreamOptions) (<-chan W, func() error) {
	return mapStream(ctx, src, n, f, false, opts)
}

// A mapFeed is the run of a MapStream: a feeder goroutine ranges the source
// and dispatches its values, an emitter goroutine sends the results.
type mapFeed[V, W any] struct {
	r    *run
	m    *mapper[V, W]
	out  chan W
	free chan int32    // the free slots: a value is taken only into one
	fed  chan struct{} // closed when the feeder has returned

	// Set by the feeder before it closes fed.
	srcErr error
}

func mapStream[V, W any](ctx context.Context, src func(context.Context) iter.Seq2[V, error], n int, f func(context.Context, V) (W, error), ordered bool, opts *StreamOptions) (<-chan W, func() error) {
	out, r, ok := startRun[W](ctx, opts, checkMap(src == nil, n, f == nil))
	if !ok {
		return out, r.stop
	}
	m := newMapper(r.ctx, n, f, ordered)
	m.spawn = r.goLabeled
	m.end = func(p *PanicError, err error) {
		if p != nil {
			r.recover(p.Value, p.Stack)
			return
		}
		r.fail(mapError(r, err))
	}
	mf := &mapFeed[V, W]{r: r, m: m, out: out, free: make(chan int32, n), fed: make(chan struct{})}
	for i := range n {
		mf.free <- int32(i)
	}
	r.goLabeled(func() { mf.feed(src) })
	r.goLabeled(mf.emit)
	return out, r.stop
}

// mapError is the error a map's stream ends with for err: the parent
// context's when it is done, whatever the call made of it.
func mapError(r *run, err error) error {
	if cerr := ContextError(r.parent); cerr != nil {
		return cerr
	}
	return err
}

// feed ranges the source and dispatches its values, each into a slot it
// has taken before asking the source for the value.
func (mf *mapFeed[V, W]) feed(src func(context.Context) iter.Seq2[V, error]) {
	defer close(mf.fed)
	returned := false
	defer mf.r.guard(&returned)
	s, ok := mf.slot()
	if !ok {
		returned = true
		return
	}
	seq := src(mf.r.ctx)
	if seq == nil {
		mf.r.fail(errNilSeq)
		returned = true
		return
	}
	ended := false
	seq(func(v V, err error) bool {
		if ended {
			return false // a broken seq that keeps yielding
		}
		if err != nil {
			// Not a failure of the run yet: the results before it
			// are sent first, and their calls must go on.
			mf.srcErr, ended = err, true
			return false
		}
		mf.m.dispatch(s, v)
		if s, ok = mf.slot(); !ok || (mf.m.ordered && mf.m.failed()) {
			ended = true
			return false
		}
		return true
	})
	returned = true
}

// slot waits for a free slot, and returns it, or false if the run is done.
func (mf *mapFeed[V, W]) slot() (*mapSlot[V, W], bool) {
	select {
	case i := <-mf.free:
		if mf.m.ordered {
			// Slots are freed in order: the one of the next value.
			return &mf.m.slots[mf.m.tail%int64(len(mf.m.slots))], true
		}
		return &mf.m.slots[i], true
	case <-mf.r.ctx.Done():
		return nil, false
	}
}

// emit sends the results, in order or as they come, until the feeder has
// ended and every result is sent, or the run is done; then it ends the
// run, once the feeder and the workers have returned.
func (mf *mapFeed[V, W]) emit() {
	r, m := mf.r, mf.m
	defer func() {
		<-mf.fed
		m.close() // the feeder has returned: nothing more is dispatched
		r.finish(func() { close(mf.out) })
	}()
	returned := false
	defer r.guard(&returned)
	done := r.ctx.Done()
	fed := mf.fed
	var sent int64
	n := int64(len(m.slots))
	for fed != nil || sent < m.tail {
		var s *mapSlot[V, W]
		var ready chan struct{}
		if m.ordered {
			ready = m.slots[sent%n].ready
		}
		select {
		case <-ready: // nil, and never ready, when unordered
			s = &m.slots[sent%n]
		case i := <-m.done: // nil when ordered
			s = &m.slots[i]
		case <-fed:
			fed = nil // m.tail is final now
			continue
		case <-done:
			r.fail(ContextError(r.ctx))
			returned = true
			return
		}
		w, err := s.w, s.err
		var zero W
		s.w, s.err = zero, nil
		if err != nil {
			if r.ctx.Err() != nil {
				// Stopped, canceled, or ended by a failure or a
				// panic already recorded: the call was cut short.
				err = ContextError(r.ctx)
			}
			r.fail(mapError(r, err))
			returned = true
			return
		}
		if !send(r, mf.out, done, w, 1) {
			returned = true
			return
		}
		sent++
		mf.free <- s.idx
	}
	if mf.srcErr != nil {
		r.fail(mf.srcErr)
	}
	returned = true
}
