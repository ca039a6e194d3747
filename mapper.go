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
	workers []mapWorker
	started int
	tail    int64 // values dispatched; the dispatching goroutine's
	wg      sync.WaitGroup

	// failedAt is, in an ordered map, the position of the first value
	// (in the source's order) whose call has failed so far, or
	// math.MaxInt64: calls of later values are canceled or skipped.
	failedAt atomic.Int64
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

// A mapWorker is one goroutine of an ordered map of more than one, with a
// context of its own for its calls, so that the calls of values after a
// failed one can be canceled without the calls before it.
type mapWorker struct {
	running atomic.Int64 // 1 + the position of the value of the call under way; 0 between calls
	ctx     atomic.Pointer[callCtx]
}

type callCtx struct {
	ctx    context.Context
	cancel context.CancelFunc
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
	if ordered && n > 1 {
		m.workers = make([]mapWorker, n)
	}
	m.failedAt.Store(math.MaxInt64)
	return m
}

// dispatch hands v, in the free slot s, to a worker, starting one while
// fewer than n run. The jobs channel holds n, so it never blocks.
func (m *mapper[V, W]) dispatch(s *mapSlot[V, W], v V) {
	s.v, s.pos = v, m.tail
	m.tail++
	if m.started < len(m.slots) {
		var w *mapWorker
		if m.workers != nil {
			w = &m.workers[m.started]
		}
		m.started++
		m.wg.Add(1)
		m.spawn(func() { m.work(w) })
	}
	m.jobs <- s
}

// failed reports whether an ordered map has a failed call.
func (m *mapper[V, W]) failed() bool { return m.failedAt.Load() != math.MaxInt64 }

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
		if w != nil {
			w.ctx.Load().cancel()
		}
		m.wg.Done()
	}()
	if w != nil {
		w.ctx.Store(newCallCtx(m.ctx))
	}
	for s := range m.jobs {
		cur = s
		m.call(w, s)
		cur = nil
		m.returned(s)
	}
	returned = true
}

func newCallCtx(parent context.Context) *callCtx {
	ctx, cancel := context.WithCancel(parent)
	return &callCtx{ctx, cancel}
}

// call calls f on the value of s, unless the map is ending or the value
// comes after one whose call has failed.
func (m *mapper[V, W]) call(w *mapWorker, s *mapSlot[V, W]) {
	var zero V
	defer func() { s.v = zero }() // the result is all the slot needs now
	if m.ctx.Err() != nil {
		s.err = errSkipped
		return
	}
	if w == nil {
		s.w, s.err = m.f(m.ctx, s.v)
		if s.err != nil && !m.ordered {
			m.end(nil, s.err)
		}
		return
	}
	// Say which value is called before looking at failedAt, as failAt
	// sets failedAt before looking at running: one of the two sees the
	// other, so a call after a failed one is either skipped or canceled.
	w.running.Store(s.pos + 1)
	if s.pos > m.failedAt.Load() {
		w.running.Store(0)
		s.err = errSkipped
		return
	}
	c := w.ctx.Load()
	s.w, s.err = m.f(c.ctx, s.v)
	w.running.Store(0)
	if s.err != nil {
		m.failAt(s.pos)
	}
	if c.ctx.Err() != nil && m.ctx.Err() == nil {
		// Canceled by a failure before it: the next call needs a live
		// context. Only here, between calls, so that failAt cancels the
		// context the call it sees running has.
		c.cancel()
		w.ctx.Store(newCallCtx(m.ctx))
	}
}

// returned says the call of s has returned.
func (m *mapper[V, W]) returned(s *mapSlot[V, W]) {
	if m.ordered {
		s.ready <- struct{}{}
	} else {
		m.done <- s.idx
	}
}

// failAt records that the call of the value at pos failed, and cancels the
// calls of the values after it: what follows a failure in an ordered map
// is never yielded.
func (m *mapper[V, W]) failAt(pos int64) {
	for {
		old := m.failedAt.Load()
		if pos >= old {
			return
		}
		if m.failedAt.CompareAndSwap(old, pos) {
			break
		}
	}
	for i := range m.workers {
		w := &m.workers[i]
		if r := w.running.Load(); r > pos+1 {
			if c := w.ctx.Load(); c != nil {
				c.cancel()
			}
		}
	}
}
