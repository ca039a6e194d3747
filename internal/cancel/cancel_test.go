package cancel

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errCall = errors.New("conn closed")

func TestPrefer(t *testing.T) {
	live := context.Background()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	cause := errors.New("shutting down")
	withCause, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(cause)

	if got := Prefer(live, errCall); got != errCall {
		t.Errorf("Prefer(live ctx, errCall) = %v, want errCall", got)
	}
	if got := Prefer(canceled, errCall); !errors.Is(got, context.Canceled) || errors.Is(got, errCall) {
		t.Errorf("Prefer(canceled ctx, errCall) = %v, want context.Canceled alone", got)
	}
	if got := Prefer(withCause, errCall); !errors.Is(got, context.Canceled) || !errors.Is(got, cause) {
		t.Errorf("Prefer(ctx canceled with a cause, errCall) = %v, want context.Canceled and the cause", got)
	}
	for name, ctx := range map[string]context.Context{"live": live, "canceled": canceled} {
		if got := Prefer(ctx, nil); got != nil {
			t.Errorf("Prefer(%s ctx, nil) = %v, want nil", name, got)
		}
	}
}

// call records what Interrupt did with an interrupt function.
type call struct {
	interrupted atomic.Int32
	undone      atomic.Int32
	block       chan struct{} // closed to let interrupt return; nil: at once
}

// check fails t unless interrupt and undo were called so many times.
func (c *call) check(t *testing.T, interrupted, undone int32) {
	t.Helper()
	if n := c.interrupted.Load(); n != interrupted {
		t.Errorf("interrupt called %d times, want %d", n, interrupted)
	}
	if n := c.undone.Load(); n != undone {
		t.Errorf("undo called %d times, want %d", n, undone)
	}
}

func (c *call) interrupt() func() {
	c.interrupted.Add(1)
	if c.block != nil {
		<-c.block
	}
	return func() { c.undone.Add(1) }
}

func TestInterruptReleasedBefore(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var c call
	release := Interrupt(ctx, c.interrupt)
	release()
	cancel() // after the release: must not interrupt
	// An interrupt would run in a goroutine that cancel starts: once no
	// goroutine is left, it has run or never will.
	goleak.VerifyNone(t)
	c.check(t, 0, 0)
}

func TestInterruptWhenDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := call{block: make(chan struct{})}
	release := Interrupt(ctx, c.interrupt)
	cancel()
	cancel() // a second cancellation changes nothing

	// release must wait for the interrupt under way, then undo it.
	released := make(chan struct{})
	go func() {
		release()
		close(released)
	}()
	for c.interrupted.Load() == 0 {
		// the interrupt runs in a goroutine of its own: wait for it
		select {
		case <-released:
			t.Fatal("release returned before interrupt was called")
		default:
			runtime.Gosched()
		}
	}
	select {
	case <-released:
		t.Fatal("release returned while interrupt was still running")
	default:
	}
	close(c.block)
	<-released
	c.check(t, 1, 1)
}

func TestInterruptNilUndo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	release := Interrupt(ctx, func() func() { n.Add(1); return nil })
	cancel()
	release() // waits for interrupt, and must not call a nil undo
	if got := n.Load(); got != 1 {
		t.Errorf("interrupt called %d times, want 1", got)
	}
}

func TestInterruptNeverDone(t *testing.T) {
	var c call
	release := Interrupt(context.Background(), c.interrupt)
	release()
	c.check(t, 0, 0)
}
