package sluice

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// errStopped is the cause a stop function cancels its producer with, so
// the end of the producer can tell "the consumer stopped me" from "the
// parent context was canceled". It wraps context.Canceled, so that a
// source which yields context.Cause(ctx) still yields an error matching
// ctx.Err().
var errStopped = fmt.Errorf("sluice: stream stopped by its consumer: %w", context.Canceled)

// ContextError returns the error a source yields when ctx is done, or nil
// while it is not. The error matches ctx.Err() with errors.Is and also
// carries context.Cause(ctx) when the cause adds detail, so both
// errors.Is(err, context.Canceled) and errors.Is(err, cause) hold. A cause
// that already wraps ctx.Err(), such as
// fmt.Errorf("shutdown: %w", context.Canceled), is returned as it is.
func ContextError(ctx context.Context) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	cause := context.Cause(ctx)
	switch {
	case cause == nil || cause == err:
		return err
	case errors.Is(cause, err):
		return cause // it says both already: keep its detail
	}
	return fmt.Errorf("%w: %w", err, cause)
}

// A PanicError is what stop panics with when a producer panicked: the
// value it panicked with and the stack of the producer goroutine, which
// would otherwise be lost when the panic is re-raised in the caller's
// goroutine.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string {
	return fmt.Sprintf("sluice: producer panicked: %v\n\nproducer goroutine:\n%s", p.Value, p.Stack)
}

// Unwrap returns the panic value if it is an error.
func (p *PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// A run is the life of the producer goroutines behind one channel: the
// context they select on, the terminal error, and the stop function.
type run struct {
	parent context.Context // the caller's; ctx is derived from it
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{} // closed when every producer goroutine has exited
	obs    Observer      // nil: no observer, no clock reads
	name   string
	start  time.Time
	items  atomic.Int64

	mu    sync.Mutex
	err   error       // first error recorded
	panic *PanicError // first panic recorded

	stopOnce sync.Once
	result   error
}

func newRun(ctx context.Context, opts *StreamOptions) *run {
	r := &run{parent: ctx, done: make(chan struct{})}
	r.ctx, r.cancel = context.WithCancelCause(ctx)
	if opts != nil {
		r.obs = opts.Observer
		r.name = opts.Name
	}
	if r.obs != nil {
		r.start = time.Now()
	}
	return r
}

// startRun makes the channel and the run of a stage. When its options
// cannot be honoured, or missing says an argument is missing (the error
// it then ends with), the run has already failed: the channel is closed
// and ok is false, as a stage's channel form reports a setup error before
// it returns.
func startRun[V any](ctx context.Context, opts *StreamOptions, missing error) (out chan V, r *run, ok bool) {
	out = make(chan V, opts.buffer())
	r = newRun(ctx, opts)
	if err := opts.Check(); err != nil || missing != nil {
		if err == nil {
			err = missing
		}
		r.fail(err)
		r.finish(func() { close(out) })
		return out, r, false
	}
	return out, r, true
}

// fail records err as the terminal error, if it is the first, and cancels
// the other producers of the run.
func (r *run) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
	r.cancel(err)
}

// recover records a panic of a producer goroutine; call it deferred.
func (r *run) recover(v any, stack []byte) {
	p := &PanicError{Value: v, Stack: stack}
	r.mu.Lock()
	if r.panic == nil {
		r.panic = p
	}
	r.mu.Unlock()
	r.fail(p)
}

// guard is deferred by every producer goroutine, with a flag the producer
// sets when its work returns normally. It turns a panic of the source, or
// a runtime.Goexit inside it, into the run's failure, instead of a crashed
// process or a stream that looks complete.
func (r *run) guard(returned *bool) {
	if v := recover(); v != nil {
		r.recover(v, debug.Stack())
		return
	}
	if !*returned {
		r.fail(errGoexit)
	}
}

var errGoexit = errors.New("sluice: the producer goroutine exited inside the source (runtime.Goexit)")

// go starts f in a goroutine carrying the stream's pprof label, if named.
func (r *run) goLabeled(f func()) {
	if r.name == "" {
		go f()
		return
	}
	go pprof.Do(r.ctx, pprof.Labels("sluice.stream", r.name), func(context.Context) { f() })
}

// finish settles the terminal error once all producers have returned, tells
// the observer, and closes the channel(s) and done, in that order.
func (r *run) finish(closeOut func()) {
	r.mu.Lock()
	err := r.err
	r.mu.Unlock()
	if err == nil && r.parent.Err() != nil && context.Cause(r.ctx) != errStopped {
		// The parent was canceled before the producers ended. A
		// parent's Done is closed a moment before its cancellation
		// reaches r.ctx, so a source watching r.ctx may have run to its
		// end in between, while the consumer already saw the parent
		// done. Say so rather than risk a truncated stream that looks
		// complete: a false alarm costs a resume that finds nothing new.
		err = ContextError(r.parent)
	}
	reason := ReasonOf(err)
	if err != nil && r.panic == nil && context.Cause(r.ctx) == errStopped && errors.Is(err, context.Canceled) {
		// Stopped by the consumer: the cancellation is the consumer's
		// own doing and not an error.
		reason, err = Stopped, nil
	}
	r.result = err
	if r.obs != nil {
		r.obs.Ended(EndEvent{
			Stream:   r.name,
			Items:    r.items.Load(),
			Duration: time.Since(r.start),
			Reason:   reason,
			Err:      err,
		})
	}
	closeOut()
	r.cancel(nil) // release the context's resources
	close(r.done)
}

// stop cancels the producers, waits for them and returns the terminal
// error; it is the stop function of every channel stage.
func (r *run) stop() error {
	r.stopOnce.Do(func() {
		if err := ContextError(r.parent); err != nil {
			// The parent is already done (its cancellation may not
			// have reached r.ctx yet): the stream was cut short by it,
			// not stopped by its consumer, and must say so.
			r.cancel(err)
		} else {
			r.cancel(errStopped)
		}
		<-r.done
	})
	if r.panic != nil {
		panic(r.panic)
	}
	return r.result
}

// send sends v, which carries values values (1, or a batch's length), on
// out unless the run's context is done first, and reports whether it did;
// a send cut short records the context's error as the run's, so a
// truncated stream always ends with an error. It is the one place a stage
// blocks on its consumer.
func send[V any](r *run, out chan<- V, done <-chan struct{}, v V, values int) bool {
	if r.obs == nil {
		// Try the send alone first: when the buffer has room it is the
		// cheaper select, and it measurably lowers the per-item cost of
		// a buffered stream (BENCHMARKS.md).
		select {
		case out <- v:
			return true
		default:
		}
		select {
		case out <- v:
			return true
		case <-done:
			r.fail(ContextError(r.ctx))
			return false
		}
	}
	var wait time.Duration
	select {
	case out <- v:
	default:
		t0 := time.Now()
		select {
		case out <- v:
			wait = time.Since(t0)
		case <-done:
			r.fail(ContextError(r.ctx))
			return false
		}
	}
	r.items.Add(int64(values))
	r.obs.Sent(SendEvent{Stream: r.name, Wait: wait, Len: len(out), Cap: cap(out), Values: values})
	return true
}
