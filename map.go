package sluice

import (
	"context"
	"iter"
	"runtime/debug"
	"sync"
)

// Map returns an iterator over the results of f applied to each value of
// seq, in the order of seq, with up to n calls of f under way at once:
// the ordered concurrent map. A value's call starts as soon as seq yields
// it and a goroutine is free; its result is yielded once every result
// before it has been.
//
// Map yields what the sequential loop
//
//	for v, err := range seq {
//		if err != nil {
//			return err
//		}
//		w, err := f(ctx, v)
//		if err != nil {
//			return err
//		}
//		yield(w)
//	}
//
// would, with the same error: when a call fails, the results of the
// values before it are yielded, then its error, and the calls of the
// values after it are canceled (their context is done) and their results
// dropped. When seq fails, the results of the values it yielded before
// are yielded first. A call cut short because ctx is done ends the stream
// with ctx's error ([ContextError]), not the call's own.
//
// Memory is bounded: at most n values are held at once, taken from seq
// and not yet yielded, whether their calls are under way or done and
// waiting for an earlier one. Map does not take a value from seq while n
// are held. The n goroutines are started as the first n values arrive,
// and have all returned when the iterator returns. With n = 1 there are
// none: the calls are made in the ranging goroutine, one after the other.
//
// If f panics, the calls under way are canceled and, once they have
// returned, the loop over the iterator panics with a [*PanicError]
// carrying the value and the stack of the call.
//
// seq is ranged in the goroutine that ranges the iterator, as with every
// iterator stage, so ctx is what reaches seq and the calls: a loop that
// breaks cancels the calls under way and waits for them. Because seq runs
// there, a result finished while seq is blocked, waiting for its next
// value, is yielded when seq yields that value or ends; for a source that
// pauses (a watch, a queue), [MapStream] yields each result as soon as it
// and those before it are done.
//
// Map is as re-iterable as seq. An n below 1, or a nil seq or f, is the
// iterator's only error.
func Map[V, W any](ctx context.Context, seq iter.Seq2[V, error], n int, f func(context.Context, V) (W, error)) iter.Seq2[W, error] {
	return mapIter(ctx, seq, n, f, true)
}

// MapUnordered is [Map] with the results yielded as the calls return, in
// no defined order: no result waits for an earlier one, so a slow call
// holds up no other. The first call to fail, in time, ends the stream
// with its error at once, canceling the calls under way. In all else it
// behaves as Map, and holds at most n values.
func MapUnordered[V, W any](ctx context.Context, seq iter.Seq2[V, error], n int, f func(context.Context, V) (W, error)) iter.Seq2[W, error] {
	return mapIter(ctx, seq, n, f, false)
}

func mapIter[V, W any](ctx context.Context, seq iter.Seq2[V, error], n int, f func(context.Context, V) (W, error), ordered bool) iter.Seq2[W, error] {
	if err := checkMap(seq == nil, n, f == nil); err != nil {
		return Fail[W](err)
	}
	if n == 1 {
		return mapOne(ctx, seq, f)
	}
	return func(yield func(W, error) bool) {
		(&mapRange[V, W]{yield: yield}).run(ctx, seq, n, f, ordered)
	}
}

// mapOne is a map of one goroutine, ordered or not: the sequential loop,
// each call made in the ranging goroutine, as a worker would make it and
// at a hundredth of the cost (a goroutine hand-off a value, both ways).
func mapOne[V, W any](ctx context.Context, seq iter.Seq2[V, error], f func(context.Context, V) (W, error)) iter.Seq2[W, error] {
	return func(yield func(W, error) bool) {
		var zero W
		stopped := false
		seq(func(v V, err error) bool {
			if stopped {
				return false // a broken seq that keeps yielding
			}
			var w W
			if err == nil {
				w, err = callOne(ctx, f, v)
			}
			if err != nil {
				if cerr := ContextError(ctx); cerr != nil {
					err = cerr // a call cut short: the cancellation
				}
				yield(zero, err)
				stopped = true
				return false
			}
			if !yield(w, nil) {
				stopped = true
				return false
			}
			return true
		})
	}
}

// callOne calls f, and raises a panic of f again as a *PanicError, as a
// worker's panic reaches the loop: the same, with one goroutine or n.
func callOne[V, W any](ctx context.Context, f func(context.Context, V) (W, error), v V) (w W, err error) {
	defer func() {
		if p := recover(); p != nil {
			panic(&PanicError{Value: p, Stack: debug.Stack()})
		}
	}()
	return f(ctx, v)
}

// A mapRange is one range of a Map or MapUnordered iterator, which takes
// the values of seq, dispatches them and yields the results, all in the
// ranging goroutine.
type mapRange[V, W any] struct {
	m      *mapper[V, W]
	yield  func(W, error) bool
	cancel context.CancelCauseFunc
	held   int     // values dispatched and not yet yielded
	head   int64   // ordered: the position of the next result to yield
	free   []int32 // unordered: the free slots

	err   error // the terminal error: the first failure, in order or in time
	broke bool  // the loop body returned false

	mu    sync.Mutex
	panic *PanicError
	first error // the first error given to end
}

func (r *mapRange[V, W]) run(ctx context.Context, seq iter.Seq2[V, error], n int, f func(context.Context, V) (W, error), ordered bool) {
	cctx, cancel := context.WithCancelCause(ctx)
	r.cancel = cancel
	r.m = newMapper(cctx, n, f, ordered)
	r.m.end = r.end
	if !ordered {
		r.free = make([]int32, n)
		for i := range r.free {
			r.free[i] = int32(n - 1 - i)
		}
	}
	returned := false
	defer func() {
		if !returned {
			// The loop body or seq panicked, or called runtime.Goexit:
			// stop the calls, and let that go on unchanged.
			r.stop()
		}
	}()

	var srcErr error
	ended := false // by seq's error, a failure or the loop body
	seq(func(v V, err error) bool {
		if ended {
			return false // a broken seq that keeps yielding
		}
		if err != nil {
			srcErr, ended = err, true
			return false
		}
		r.m.dispatch(r.slot(), v)
		// Yield what is ready, and wait while n values are held, so
		// that seq is asked for the next only when there is room.
		if !r.emit(false) || (r.m.ordered && r.m.after.failed()) {
			ended = true
			return false
		}
		return true
	})
	if r.err == nil && !r.broke {
		// seq has ended, or failed, or an ordered call failed: the
		// results before the end are yielded first.
		r.emit(true)
		if r.err == nil && !r.broke {
			r.err = srcErr
		}
	}
	r.stop()
	returned = true
	if r.panic != nil {
		panic(r.panic)
	}
	if r.err != nil && !r.broke {
		var zero W
		r.yield(zero, r.terminal(ctx))
	}
}

// slot returns a free slot: one is, since values are taken only while
// fewer than n are held.
func (r *mapRange[V, W]) slot() *mapSlot[V, W] {
	r.held++
	if r.m.ordered {
		return &r.m.slots[r.m.tail%int64(len(r.m.slots))]
	}
	i := r.free[len(r.free)-1]
	r.free = r.free[:len(r.free)-1]
	return &r.m.slots[i]
}

// emit yields the results that are ready, waiting for one while n values
// are held, or, with all, until every value is yielded. It returns false
// when the stream must end: an error (in r.err), or the loop body stopped
// (r.broke).
func (r *mapRange[V, W]) emit(all bool) bool {
	for r.held > 0 {
		s := r.next(all || r.held == len(r.m.slots))
		if s == nil {
			if r.m.ctx.Err() != nil {
				r.err = context.Cause(r.m.ctx)
				return false
			}
			return true // none ready
		}
		r.held--
		w, err := s.w, s.err
		var zero W
		s.w, s.err = zero, nil
		if r.m.ordered {
			r.head++
		} else {
			r.free = append(r.free, s.idx)
		}
		if err != nil {
			r.err = err
			return false
		}
		if !r.yield(w, nil) {
			r.broke = true
			return false
		}
	}
	return true
}

// next returns the slot of the next result, or nil if none is ready
// (without block) or the map is ending.
func (r *mapRange[V, W]) next(block bool) *mapSlot[V, W] {
	done := r.m.ctx.Done()
	if r.m.ordered {
		s := &r.m.slots[r.head%int64(len(r.m.slots))]
		select {
		case <-s.ready:
			return s
		default:
		}
		if !block {
			return nil
		}
		select {
		case <-s.ready:
			return s
		case <-done:
			return nil
		}
	}
	select {
	case i := <-r.m.done:
		return &r.m.slots[i]
	default:
	}
	if !block {
		return nil
	}
	select {
	case i := <-r.m.done:
		return &r.m.slots[i]
	case <-done:
		return nil
	}
}

// end is the mapper's: it ends the map at once.
func (r *mapRange[V, W]) end(p *PanicError, err error) {
	r.mu.Lock()
	if p != nil && r.panic == nil {
		r.panic = p
	}
	if err != nil && r.first == nil {
		r.first = err
	}
	r.mu.Unlock()
	if p != nil {
		err = p
	}
	r.cancel(err)
}

// stop cancels the calls under way and waits for the workers.
func (r *mapRange[V, W]) stop() {
	r.cancel(errSkipped)
	r.m.close()
}

// terminal returns the error the stream ends with: ctx's when it is done,
// whatever the calls made of it; else the first failure of an unordered
// map, which canceled the calls that came back after it; else r.err.
func (r *mapRange[V, W]) terminal(ctx context.Context) error {
	if err := ContextError(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.first != nil {
		return r.first
	}
	return r.err
}
