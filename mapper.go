package sluice

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// A mapper runs the calls of one map ([Map], [MapUnordered] and their
// channel forms) on up to n goroutines. Each value taken from the source
// goes into one of n slots, which it holds until its result has been
// yielded or sent: the slots are what bounds the memory of a map. The
// goroutine that takes the values (the caller of an iterator form, the
// feeder of a channel form) dispatches them; the workers call f and say
// when each call has returned, through the slot (ordered) or done
// (unordered).
type mapper[V, W any] struct {
	f       func(context.Context, V) (W, error)
	ordered bool
	ctx     context.Context // of the calls: done when the map ends
	spawn   func(func())

	// end ends the map at once, canceling ctx: with p, a call panicked;
	// else a call ended its goroutine (errGoexit) or, in an unordered
	// map, failed with err. It keeps the first.
	end func(p *PanicError, err error)

	slots   []mapSlot[V, W]
	jobs    chan *mapSlot[V, W]
	done    chan int32 // unordered: the slots whose call has returned, in that order
	started int
	tail    int64 // values dispatched; the dispatching goroutine's
	wg      sync.WaitGroup
	after   afterFailure
}

// A mapSlot holds a value of the source from its dispatch until its result
// has been yielded or sent.
type mapSlot[V, W any] struct {
	idx   int32
	pos   int64 // the value's position in the source
	v     V
	w     W
	err   error
	ready chan struct{} // ordered: receives once the call has returned
}

// errSkipped is the error of a call not made: its value comes after one
// whose call failed, or the map is ending. It is never yielded.
var errSkipped = errors.New("sluice: map: call skipped")

// checkMap checks the arguments of a map.
func checkMap(nilSeq bool, n int, nilF bool) error {
	switch {
	case nilSeq:
		return errNilSeq
	case n < 1:
		return fmt.Errorf("sluice: Map of %d goroutines, want at least 1", n)
	case nilF:
		return errors.New("sluice: Map of a nil function")
	}
	return nil
}

func newMapper[V, W any](ctx context.Context, n int, f func(context.Context, V) (W, error), ordered bool) *mapper[V, W] {
	m := &mapper[V, W]{
		f:       f,
		ordered: ordered,
		ctx:     ctx,
		slots:   make([]mapSlot[V, W], n),
		jobs:    make(chan *mapSlot[V, W], n),
		spawn:   func(f func()) { go f() },
	}
	for i := range m.slots {
		m.slots[i].idx = int32(i)
		if ordered {
			m.slots[i].ready = make(chan struct{}, 1)
		}
	}
	if !ordered {
		m.done = make(chan int32, n)
	}
	if ordered {
		m.after.init(n)
	}
	return m
}

// dispatch hands v, in the free slot s, to a worker, starting one while
// fewer than n run. The jobs channel holds n, so it never blocks.
func (m *mapper[V, W]) dispatch(s *mapSlot[V, W], v V) {
	s.v, s.pos = v, m.tail
	m.tail++
	if m.started < len(m.slots) {
		w := m.after.worker(m.started)
		m.started++
		m.wg.Add(1)
		m.spawn(func() { m.work(w) })
	}
	m.jobs <- s
}

// close ends the workers and waits for them, once nothing more will be
// dispatched; the calls under way return when m.ctx is done.
func (m *mapper[V, W]) close() {
	close(m.jobs)
	m.wg.Wait()
}

// work is the loop of a worker goroutine. w is nil but in an ordered map
// of more than one goroutine.
func (m *mapper[V, W]) work(w *mapWorker) {
	var cur *mapSlot[V, W] // the slot of the call under way
	returned := false
	defer func() {
		if v := recover(); v != nil {
			m.end(&PanicError{Value: v, Stack: debug.Stack()}, nil)
		} else if !returned {
			m.end(nil, errGoexit)
		}
		if cur != nil {
			// Nothing must wait for this slot forever.
			cur.err = errSkipped
			m.returned(cur)
		}
		w.stop()
		m.wg.Done()
	}()
	w.start(m.ctx)
	for s := range m.jobs {
		cur = s
		m.call(w, s)
		cur = nil
		m.returned(s)
	}
	returned = true
}

// call calls f on the value of s, unless the map is ending or the value
// comes after one whose call has failed.
func (m *mapper[V, W]) call(w *mapWorker, s *mapSlot[V, W]) {
	var zero V
	if m.ctx.Err() != nil {
		s.err = errSkipped
	} else if w == nil {
		s.w, s.err = m.f(m.ctx, s.v)
		if s.err != nil && !m.ordered {
			m.end(nil, s.err)
		}
	} else {
		s.w, s.err = callAfter(&m.after, m.ctx, w, s.pos, s.v, m.f)
	}
	s.v = zero // the result is all the slot needs now
}

// returned says the call of s has returned.
func (m *mapper[V, W]) returned(s *mapSlot[V, W]) {
	if m.ordered {
		s.ready <- struct{}{}
	} else {
		m.done <- s.idx
	}
}

// An afterFailure cancels, in an ordered map of more than one goroutine,
// the calls of the values after one whose call has failed: they will
// never be yielded, while the calls of the values before it run on. Each
// goroutine calls f with a context of its own, which it replaces after a
// call it canceled.
type afterFailure struct {
	// failedAt is the position of the first value (in the source's
	// order) whose call has failed so far, or math.MaxInt64.
	failedAt atomic.Int64
	workers  []mapWorker
}

// A mapWorker is one goroutine of an ordered map: nil in a map of one
// goroutine, where a failure leaves no call after it under way.
type mapWorker struct {
	running atomic.Int64 // 1 + the position of the value of the call under way; 0 between calls
	ctx     atomic.Pointer[callCtx]
}

type callCtx struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func newCallCtx(parent context.Context) *callCtx {
	ctx, cancel := context.WithCancel(parent)
	return &callCtx{ctx, cancel}
}

func (a *afterFailure) init(n int) {
	a.failedAt.Store(math.MaxInt64)
	if n > 1 {
		a.workers = make([]mapWorker, n)
	}
}

// worker returns the i-th worker, or nil where workers need no context of
// their own.
func (a *afterFailure) worker(i int) *mapWorker {
	if a.workers == nil {
		return nil
	}
	return &a.workers[i]
}

// failed reports whether a call has failed.
func (a *afterFailure) failed() bool { return a.failedAt.Load() != math.MaxInt64 }

// start gives w its first context; stop releases its last.
func (w *mapWorker) start(parent context.Context) {
	if w != nil {
		w.ctx.Store(newCallCtx(parent))
	}
}

func (w *mapWorker) stop() {
	if w != nil {
		if c := w.ctx.Load(); c != nil {
			c.cancel()
		}
	}
}

// callAfter calls f on v, the value at pos, with w's context, unless v
// comes after a value whose call has failed.
func callAfter[V, W any](a *afterFailure, parent context.Context, w *mapWorker, pos int64, v V, f func(context.Context, V) (W, error)) (W, error) {
	// Say which value is called before looking at failedAt, as failAt
	// sets failedAt before looking at running: one of the two sees the
	// other, so a call after a failed one is either skipped or canceled.
	w.running.Store(pos + 1)
	if pos > a.failedAt.Load() {
		w.running.Store(0)
		var zero W
		return zero, errSkipped
	}
	c := w.ctx.Load()
	res, err := f(c.ctx, v)
	w.running.Store(0)
	if err != nil {
		a.failAt(pos)
	}
	if c.ctx.Err() != nil && parent.Err() == nil {
		// Canceled by a failure before it: the next call needs a live
		// context. Only here, between calls, so that failAt cancels the
		// context the call it sees running has.
		c.cancel()
		w.ctx.Store(newCallCtx(parent))
	}
	return res, err
}

// failAt records that the call of the value at pos failed, and cancels the
// calls of the values after it.
func (a *afterFailure) failAt(pos int64) {
	for {
		old := a.failedAt.Load()
		if pos >= old {
			return
		}
		if a.failedAt.CompareAndSwap(old, pos) {
			break
		}
	}
	for i := range a.workers {
		w := &a.workers[i]
		if r := w.running.Load(); r > pos+1 {
			if c := w.ctx.Load(); c != nil {
				c.cancel()
			}
		}
	}
}
