package conformance

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// recv receives one value from ch, waiting at most d. It reports
// ok=false when ch is closed and timedOut when nothing came within d.
func recv[V any](ch <-chan V, d time.Duration) (v V, ok, timedOut bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case v, ok = <-ch:
		return v, ok, false
	case <-t.C:
		return v, false, true
	}
}

// stopWithin calls stop and reports what it returned, and how long it took
// when that was more than d. A stop still blocked after d is left running
// (a hang is the watchdog's to report, not this check's): slow is then d
// and err is errStillBlocked.
func stopWithin(stop func() error, d time.Duration) (slow time.Duration, err error) {
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- stop() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err = <-done:
	case <-t.C:
		return d, errStillBlocked
	}
	if took := time.Since(start); took > d {
		return took, err
	}
	return 0, err
}

var errStillBlocked = errors.New("stop() has not returned")

// closedNow reports whether ch is closed right now, draining what is left
// in its buffer: after stop has returned, the producer has exited, and the
// producer is what closes the channel.
func closedNow[V any](ch <-chan V) bool {
	closed, _ := drainNow(ch)
	return closed
}

// drainNow receives what ch holds without waiting, and reports whether it
// is closed and how many values it held.
func drainNow[V any](ch <-chan V) (closed bool, n int) {
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return true, n
			}
			n++
		default:
			return false, n
		}
	}
}

// takeN receives n values from ch, reporting a channel that closes or goes
// silent first.
func (su *suite[V]) takeN(ch <-chan V, n int) error {
	for i := range n {
		if _, ok, timedOut := recv(ch, su.opts.timeout()/2); !ok || timedOut {
			return fmt.Errorf("the channel was closed or silent after %d values, before %d", i, n)
		}
	}
	return nil
}

// checkStop calls stop and checks what every stop owes: it returns within
// the latency, with an error that complain accepts (complain returns ""),
// having closed the channel, and a second call returns the same at once.
// what names the situation in the messages.
func (su *suite[V]) checkStop(ch <-chan V, stop func() error, what string, complain func(error) string) []error {
	var errs []error
	slow, err := stopWithin(stop, su.opts.latency())
	if slow > 0 {
		errs = append(errs, fmt.Errorf("stop() %s took %v, want within %v (Options.Latency)", what, slow.Round(time.Millisecond), su.opts.latency()))
	}
	if err == errStillBlocked {
		return errs
	}
	if c := complain(err); c != "" {
		errs = append(errs, fmt.Errorf("stop() %s = %v, want %s", what, err, c))
	}
	if !closedNow(ch) {
		errs = append(errs, errors.New("after stop() returned, the channel was not closed yet: stop returned before its goroutine exited"))
	}
	if slow, err2 := stopWithin(stop, su.opts.latency()); err2 != err || slow > 0 {
		errs = append(errs, fmt.Errorf("a second stop() = %v after %v, want %v at once: stop must be idempotent", err2, slow, err))
	}
	return errs
}

func wantNil(err error) string {
	if err != nil {
		return "nil: stopping early is not an error"
	}
	return ""
}

func (su *suite[V]) newStream(ctx context.Context) (<-chan V, func() error, error) {
	ch, stop := su.s.Stream(ctx)
	if ch == nil || stop == nil {
		return nil, nil, errors.New("the Stream constructor returned a nil channel or a nil stop function")
	}
	return ch, stop, nil
}

// streamDrain checks that draining the channel yields Want and that stop
// then returns nil, twice.
func (su *suite[V]) streamDrain() error {
	return su.isolate(func() error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch, stop, err := su.newStream(ctx)
		if err != nil {
			return err
		}
		wait := su.opts.timeout() / 2
		var got []V
		var errs []error
		for {
			if su.s.Unbounded && len(got) == len(su.s.Want) {
				break
			}
			v, ok, timedOut := recv(ch, wait)
			if timedOut {
				errs = append(errs, fmt.Errorf("after %d values the channel neither sent a value nor was closed for %v: is it ever closed?", len(got), wait))
				break
			}
			if !ok {
				break
			}
			got = append(got, v)
			if !su.s.Unbounded && len(got) > len(su.s.Want) {
				errs = append(errs, fmt.Errorf("the channel sent more values than Want"))
				break
			}
		}
		if su.s.Unordered {
			if d := su.diffUnordered(got, su.s.Want); d != "" {
				errs = append(errs, fmt.Errorf("drained: %s", d))
			}
		} else if d := su.diff(got, su.s.Want); d != "" {
			errs = append(errs, fmt.Errorf("drained: %s", d))
		}
		errs = append(errs, su.checkStop(ch, stop, "after the stream was drained", func(err error) string {
			if err != nil {
				return "nil"
			}
			return ""
		})...)
		return errors.Join(errs...)
	})
}

// streamStop checks a consumer that stops after k values without draining:
// stop returns promptly, returns nil, has closed the channel, and is
// idempotent.
func (su *suite[V]) streamStop() error {
	return su.cases("stop after values", []int{0, 1}, func(k int) error {
		if k > len(su.s.Want) && !su.s.Unbounded {
			return nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch, stop, err := su.newStream(ctx)
		if err != nil {
			return err
		}
		var errs []error
		if err := su.takeN(ch, k); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, su.checkStop(ch, stop, fmt.Sprintf("by the consumer after %d values, without draining,", k), wantNil)...)
		return errors.Join(errs...)
	})
}

// streamCancel cancels the parent context while the consumer has stopped
// reading: the producer must exit by itself, and stop must then report
// context.Canceled.
func (su *suite[V]) streamCancel() error {
	return su.cases("cancel after values", []int{0, 1}, func(k int) error {
		if k >= len(su.s.Want) && !su.s.Unbounded {
			return nil // nothing left to truncate
		}
		snapshot := ignoreCurrent()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		ch, stop, err := su.newStream(ctx)
		if err != nil {
			return err
		}
		var errs []error
		if err := su.takeN(ch, k); err != nil {
			errs = append(errs, err)
		}
		cancel()
		if err := findLeaks(snapshot, su.opts); err != nil {
			errs = append(errs, fmt.Errorf("with the consumer not reading, the producer did not exit after ctx was canceled (a send that does not select on ctx.Done?): %w", err))
			// Release a producer stuck in a send so it does not outlive the check.
			go func() {
				for range ch {
				}
			}()
		}
		slow, err1 := stopWithin(stop, su.opts.latency())
		if slow > 0 {
			errs = append(errs, fmt.Errorf("stop() after ctx was canceled took %v, want within %v", slow.Round(time.Millisecond), su.opts.latency()))
		}
		if err1 == errStillBlocked {
			return errors.Join(errs...)
		}
		closed, held := drainNow(ch)
		// A buffered producer may have sent all of Want before the
		// cancellation: then the stream was complete and nil is right.
		complete := !su.s.Unbounded && k+held == len(su.s.Want)
		if !errors.Is(err1, context.Canceled) && !(err1 == nil && complete) {
			errs = append(errs, fmt.Errorf("stop() after the parent ctx was canceled mid-stream = %v, want an error matching context.Canceled: a truncated stream looks complete", err1))
		}
		if !closed {
			errs = append(errs, fmt.Errorf("after stop() returned, the channel was not closed: stop must wait for the producer, which closes it"))
		}
		return errors.Join(errs...)
	})
}

// streamStall stops, or cancels the parent of, a channel form whose
// producer is blocked inside its source: stop must still return within the
// latency, with nil when the consumer stopped it and context.Canceled when
// the parent was canceled.
func (su *suite[V]) streamStall() error {
	var errs []error
	for _, how := range []string{"stop", "cancel"} {
		err := su.cases(how+" while stalled after values", []int{0, 1}, func(n int) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ch, stop := su.s.StreamStall(ctx, n)
			if ch == nil || stop == nil {
				return errors.New("the StreamStall constructor returned a nil channel or a nil stop function")
			}
			if err := su.takeN(ch, n); err != nil {
				return fmt.Errorf("StreamStall(ctx, %d): %w", n, err)
			}
			time.Sleep(20 * time.Millisecond) // let the producer block in its source
			complain := wantNil
			if how == "cancel" {
				cancel()
				complain = func(err error) string {
					if !errors.Is(err, context.Canceled) {
						return "an error matching context.Canceled"
					}
					return ""
				}
			}
			errs := su.checkStop(ch, stop, "with the producer blocked in its source (the "+map[string]string{"stop": "stop's", "cancel": "parent's"}[how]+" cancellation must reach the source)", complain)
			return errors.Join(errs...)
		})
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
