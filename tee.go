package sluice

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"reflect"
	"time"
)

// Tee runs seq in a new goroutine and sends each of its values on every one
// of n channels, before it takes the next value from seq.
//
// The channels advance together: each holds at most opts.Buffer values more
// than the slowest, so every channel must be read concurrently (one
// goroutine each, or a select over all), or the stream stops for all of
// them. Values are shared, not copied: a pointer or a slice sent to two
// consumers is the same memory.
//
// All channels are closed when seq ends, fails or is stopped; the single
// stop function behaves as [Stream]'s, and reaches seq as Stream's does. An n below 1 returns no channel and
// a stop that reports the error.
func Tee[V any](ctx context.Context, seq iter.Seq2[V, error], n int, opts *StreamOptions) ([]<-chan V, func() error) {
	r := newRun(ctx, opts)
	if n < 1 {
		r.fail(fmt.Errorf("sluice: Tee of %d channels, want at least 1", n))
		r.finish(func() {})
		return nil, r.stop
	}
	outs := make([]chan V, n)
	recv := make([]<-chan V, n)
	for i := range outs {
		outs[i] = make(chan V, opts.buffer())
		recv[i] = outs[i]
	}
	closeAll := func() {
		for _, c := range outs {
			close(c)
		}
	}
	if err := opts.Check(); err != nil || seq == nil {
		r.fail(cmp.Or(err, errNilSeq))
		r.finish(closeAll)
		return recv, r.stop
	}
	r.goLabeled(func() {
		defer r.finish(closeAll)
		returned := false
		defer r.guard(&returned)
		t := &teeSender[V]{r: r, outs: outs}
		t.cases = make([]reflect.SelectCase, 0, n+1)
		seq(func(v V, err error) bool {
			if t.stopped {
				return false // a broken seq that keeps yielding
			}
			if err != nil {
				r.fail(err)
				t.stopped = true
				return false
			}
			if !t.send(v) {
				r.fail(ContextError(r.ctx))
				t.stopped = true
				return false
			}
			return true
		})
		returned = true
	})
	return recv, r.stop
}

type teeSender[V any] struct {
	r       *run
	outs    []chan V
	pending []chan V
	cases   []reflect.SelectCase
	stopped bool
}

// send delivers v to every channel, to whichever is ready first, so that a
// consumer reading the channels in any order is never deadlocked by the
// order of the sends.
func (t *teeSender[V]) send(v V) bool {
	var t0 time.Time
	if t.r.obs != nil {
		t0 = time.Now()
	}
	t.pending = t.pending[:0]
	for _, c := range t.outs {
		select {
		case c <- v: // the common case: room in every channel
		default:
			t.pending = append(t.pending, c)
		}
	}
	done := t.r.ctx.Done()
	for len(t.pending) > 0 {
		if len(t.pending) == 1 {
			select {
			case t.pending[0] <- v:
				t.pending = t.pending[:0]
				continue
			case <-done:
				return false
			}
		}
		t.cases = append(t.cases[:0], reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(done)})
		rv := reflect.ValueOf(v)
		if !rv.IsValid() { // v is a nil interface value
			rv = reflect.Zero(reflect.TypeFor[V]())
		}
		for _, c := range t.pending {
			t.cases = append(t.cases, reflect.SelectCase{Dir: reflect.SelectSend, Chan: reflect.ValueOf(c), Send: rv})
		}
		i, _, _ := reflect.Select(t.cases)
		if i == 0 {
			return false
		}
		t.pending = append(t.pending[:i-1], t.pending[i:]...)
	}
	if t.r.obs != nil {
		t.r.items.Add(1)
		len0, cap0 := 0, 0
		for _, c := range t.outs {
			len0 = max(len0, len(c)) // the fullest channel is the one that saturates
			cap0 = cap(c)
		}
		t.r.obs.Sent(SendEvent{Stream: t.r.name, Wait: time.Since(t0), Len: len0, Cap: cap0, Values: 1})
	}
	return true
}
