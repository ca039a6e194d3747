package sluice

import (
	"context"
	"iter"
	"runtime/debug"
	"sync"
)

// MapStream is the channel form of [Map]: it sends on the returned channel
// the results of f applied to each value of the iterator that src
// returns, in its order, with up to n calls of f under way at once.
//
// Like [StreamFunc], it takes a function that builds the iterator, and
// calls it with a context that stop cancels, so that stop reaches a source
// blocked inside its API (a watch between events) and not only one
// blocked in a send. Each of the n goroutines takes a value from the
// source, calls f, waits for the result before it to be sent, sends its
// own, and takes the next; they take the values in turn, through a
// coroutine ([iter.Pull2]), so that the source runs in whichever
// goroutine takes a value and no goroutine stands between it and the
// calls. A result is sent as soon as it and those before it are done,
// even while the source waits for its next value.
//
// The results, the errors and the order are Map's: the results before the
// first failure in the source's order, then its error from stop, the
// calls after it canceled. At most n values are held by the map at once
// (one in each goroutine), taken from the source and not yet sent, and at
// most opts.Buffer results wait in the channel: n + opts.Buffer in all,
// however slow the consumer. opts.Observer, if any, is called from all
// the goroutines. In all else the channel and stop behave as
// StreamFunc's: if src or f panics, stop panics with a [*PanicError].
func MapStream[V, W any](ctx context.Context, src func(context.Context) iter.Seq2[V, error], n int, f func(context.Context, V) (W, error), opts *StreamOptions) (<-chan W, func() error) {
	return mapStream(ctx, src, n, f, true, opts)
}

// MapUnorderedStream is the channel form of [MapUnordered]: [MapStream]
// with each result sent as its call returns, in no defined order, and the
// first call to fail, in time, ending the stream at once.
func MapUnorderedStream[V, W any](ctx context.Context, src func(context.Context) iter.Seq2[V, error], n int, f func(context.Context, V) (W, error), opts *StreamOptions) (<-chan W, func() error) {
	return mapStream(ctx, src, n, f, false, opts)
}

// A mapChain is the run of a MapStream or a MapUnorderedStream: up to n
// worker goroutines, each of which takes a value from the source, calls f
// and sends the result, then takes the next. They take the values in
// turn, through a coroutine (iter.Pull2) under mu, so that there is no
// goroutine between the source and the calls; in an ordered map each
// value taken is linked to the one before, whose worker says when its
// result has been sent, as destel/rill's OrderedMap does, so the results
// go out in order and each worker holds one value at most.
type mapChain[V, W any] struct {
	r       *run
	out     chan W
	src     func(context.Context) iter.Seq2[V, error]
	f       func(context.Context, V) (W, error)
	ordered bool
	n       int
	after   afterFailure
	wg      sync.WaitGroup

	mu       sync.Mutex
	next     func() (V, error, bool) // from iter.Pull2 of the source, made by the first pull
	stopPull func()
	ended    bool  // the source has ended or failed
	srcErr   error // its error, reported once every result before it is sent
	tail     int64 // values taken
	started  int
	turn     chan struct{} // ordered: receives once the result of the value before the next is sent
}

func mapStream[V, W any](ctx context.Context, src func(context.Context) iter.Seq2[V, error], n int, f func(context.Context, V) (W, error), ordered bool, opts *StreamOptions) (<-chan W, func() error) {
	out, r, ok := startRun[W](ctx, opts, checkMap(src == nil, n, f == nil))
	if !ok {
		return out, r.stop
	}
	c := &mapChain[V, W]{r: r, out: out, src: src, f: f, ordered: ordered, n: n}
	if ordered {
		c.after.init(n)
		c.turn = make(chan struct{}, 1)
		c.turn <- struct{}{} // the first value's turn is now
	}
	c.started = 1
	c.wg.Add(1)
	r.goLabeled(func() { c.work(c.after.worker(0)) })
	go func() {
		c.wg.Wait()
		c.endPull()
		if c.srcErr != nil {
			// After the results before it: the workers have sent them.
			r.fail(c.srcErr)
		}
		r.finish(func() { close(out) })
	}()
	return out, r.stop
}

// endPull ends the source, if it has not ended, once no worker takes
// from it: it returns from the yield it is suspended in, with false.
func (c *mapChain[V, W]) endPull() {
	if c.stopPull == nil {
		return
	}
	returned := false
	defer keepGuard(c.r, &returned) // a panic of the source as it returns
	c.stopPull()
	returned = true
}

// work is the loop of a worker: take a value, call f, send the result.
func (c *mapChain[V, W]) work(w *mapWorker) {
	r := c.r
	defer c.wg.Done()
	defer w.stop()
	mine := make(chan struct{}, 1) // the turn this worker gives the value after its own
	defer func() {
		// However this worker ends, the worker of the value after its
		// own, waiting for its turn, must wake: when it ends before its
		// turn, the run is done (failed, stopped, canceled), and that
		// worker ends too, handing on.
		select {
		case mine <- struct{}{}:
		default:
		}
	}()
	returned := false
	defer keepGuard(c.r, &returned)
	w.start(r.ctx)
	done := r.ctx.Done()
	for {
		v, pos, turn, ok := c.take(mine)
		if !ok {
			break
		}
		var res W
		var err error
		switch {
		case r.ctx.Err() != nil:
			err = errSkipped
		case w != nil:
			res, err = callAfter(&c.after, r.ctx, w, pos, v, c.f)
		default:
			res, err = c.f(r.ctx, v)
		}
		if c.ordered && !c.wait(turn) {
			returned = true
			return
		}
		if err != nil {
			if r.ctx.Err() != nil {
				// Stopped, canceled, or ended by a failure or a
				// panic already recorded: the call was cut short.
				err = ContextError(r.ctx)
			}
			r.fail(err)
			break
		}
		if !send(r, c.out, done, res, 1) {
			break
		}
		if c.ordered {
			mine <- struct{}{} // the next value's turn
			mine = turn        // drained, and no one else's now
		}
	}
	returned = true
}

// wait waits for turn, and reports false if the run is done. It waits
// for turn alone, a plain receive, rather than in a select with the run's
// context, which cost a sixth of MapStream's CPU time per value: every
// worker that ends hands its turn on (see work), so turn comes, also when
// the run ends.
func (c *mapChain[V, W]) wait(turn chan struct{}) bool {
	<-turn
	if err := c.r.ctx.Err(); err != nil {
		c.r.fail(ContextError(c.r.ctx))
		return false
	}
	return true
}

// take takes the next value from the source, with its position and, in
// an ordered map, the turn to wait for before sending its result (mine
// becoming the turn of the value after it). It starts another worker
// while fewer than n run. It returns false when there is nothing more to
// take: the source has ended or failed, the run is done, or, in an
// ordered map, a call has failed, so the values after it would not be
// sent.
func (c *mapChain[V, W]) take(mine chan struct{}) (v V, pos int64, turn chan struct{}, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock() // also when the source panics in next
	if c.ended || c.r.ctx.Err() != nil || c.ordered && c.after.failed() {
		return v, 0, nil, false
	}
	if c.next == nil {
		seq := c.src(c.r.ctx)
		if seq == nil {
			c.ended = true
			c.r.fail(errNilSeq)
			return v, 0, nil, false
		}
		c.next, c.stopPull = iter.Pull2(withStack(seq))
	}
	v, err, ok := c.next()
	if !ok || err != nil {
		c.ended, c.srcErr = true, err
		return v, 0, nil, false
	}
	pos = c.tail
	c.tail++
	if c.ordered {
		turn, c.turn = c.turn, mine
	}
	if c.started < c.n {
		w := c.after.worker(c.started)
		c.started++
		c.wg.Add(1)
		c.r.goLabeled(func() { c.work(w) })
	}
	return v, pos, turn, true
}

// withStack returns seq, whose panic is raised again as a *PanicError
// holding the stack of the coroutine, which next would lose; the workers'
// guard keeps it as it is.
func withStack[V any](seq iter.Seq2[V, error]) iter.Seq2[V, error] {
	return func(yield func(V, error) bool) {
		defer func() {
			if v := recover(); v != nil {
				panic(&PanicError{Value: v, Stack: debug.Stack()})
			}
		}()
		seq(yield)
	}
}
