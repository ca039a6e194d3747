package conformance

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync/atomic"
	"time"
)

// checks lists the suite in the order it runs.
func checks[V any]() []check[V] {
	always := func(*Source[V]) string { return "" }
	nonEmpty := func(s *Source[V]) string {
		if len(s.Want) == 0 {
			return "a non-empty Want"
		}
		return ""
	}
	return []check[V]{
		{"Full", always, (*suite[V]).full},
		{"Reiterate", always, (*suite[V]).reiterate},
		{"Lazy", always, (*suite[V]).lazy},
		{"BreakEarly", nonEmpty, (*suite[V]).breakEarly},
		{"PanicInLoop", nonEmpty, (*suite[V]).panicInLoop},
		{"CancelBefore", always, (*suite[V]).cancelBefore},
		{"CancelDuring", cancelDuringNeeds[V], (*suite[V]).cancelDuring},
		{"DeadlineDuring", cancelDuringNeeds[V], (*suite[V]).deadlineDuring},
		{"Fail", func(s *Source[V]) string { return need(s.Fail != nil, "Fail") }, (*suite[V]).fail},
		{"Stall", func(s *Source[V]) string { return need(s.Stall != nil, "Stall") }, (*suite[V]).stall},
		{"Resume", func(s *Source[V]) string {
			if s.Cursor == nil || s.After == nil {
				return "Cursor and After"
			}
			return nonEmpty(s)
		}, (*suite[V]).resume},
		{"BadCursors", func(s *Source[V]) string {
			if s.After == nil || len(s.BadCursors) == 0 {
				return "After and BadCursors"
			}
			return ""
		}, (*suite[V]).badCursors},
		{"StreamDrain", streamNeeds[V], (*suite[V]).streamDrain},
		{"StreamStop", streamNeeds[V], (*suite[V]).streamStop},
		{"StreamCancel", streamNeeds[V], (*suite[V]).streamCancel},
		{"StreamFail", func(s *Source[V]) string { return need(s.StreamFail != nil, "StreamFail") }, (*suite[V]).streamFail},
		{"StreamStall", func(s *Source[V]) string { return need(s.StreamStall != nil, "StreamStall") }, (*suite[V]).streamStall},
	}
}

func need(ok bool, field string) string {
	if ok {
		return ""
	}
	return field
}

func streamNeeds[V any](s *Source[V]) string { return need(s.Stream != nil, "Stream") }

func cancelDuringNeeds[V any](s *Source[V]) string {
	if len(s.Want) < 2 && !s.Unbounded {
		return "a Want of at least 2 values (or Unbounded)"
	}
	return ""
}

// mid returns the index of the middle of Want.
func (su *suite[V]) mid() int { return len(su.s.Want) / 2 }

// ended describes how a run ended, for messages.
func ended[V any](r *run[V]) string {
	switch {
	case r.panicked:
		return fmt.Sprintf("a panic (%v)", r.panicVal)
	case r.err != nil:
		return fmt.Sprintf("the error %q", r.err)
	}
	return "no error"
}

// rangeAll ranges seq to its end (or, with Unbounded, through Want, then
// cancels it and ranges on to the end) and checks the result is Want. It
// stops a bounded source that yields more than Want.
func (su *suite[V]) rangeAll(seq iter.Seq2[V, error], cancel context.CancelFunc) error {
	want := su.s.Want
	c := &canceler{n: len(want), cancel: cancel, lat: su.opts.latency()}
	if su.s.Unbounded && c.n == 0 {
		c.fire()
	}
	r := drive(seq, func(v V, err error) bool {
		if err != nil {
			return false
		}
		if su.s.Unbounded {
			return c.value()
		}
		c.n--
		return c.n >= -1 // one value past Want is enough to tell
	})
	var errs []error
	errs = append(errs, r.violationErr())
	got := r.values
	if su.s.Unbounded {
		got = got[:min(len(got), len(want))]
	}
	if d := su.diff(got, want); d != "" {
		errs = append(errs, errors.New(d))
	}
	switch {
	case su.s.Unbounded && c.overrun:
		errs = append(errs, fmt.Errorf("an Unbounded source went on yielding for %v after its context was canceled", c.lat))
	case su.s.Unbounded && c.at.IsZero():
		errs = append(errs, fmt.Errorf("an Unbounded source ended with %s after %d values, before the suite canceled it", ended(&r), len(r.values)))
	case su.s.Unbounded:
		if !r.panicked && !errors.Is(r.err, context.Canceled) {
			errs = append(errs, fmt.Errorf("canceled after Want, the source ended with %s, want an error matching context.Canceled", ended(&r)))
		}
	case r.panicked || r.err != nil:
		errs = append(errs, fmt.Errorf("a full run ended with %s, want the end of the stream", ended(&r)))
	}
	return errors.Join(errs...)
}

// A canceler is the loop body of a run that cancels after n values and
// then lets the source run on to its end, which must come within lat.
type canceler struct {
	n       int
	cancel  context.CancelFunc
	lat     time.Duration
	at      time.Time // when it canceled
	overrun bool      // the source went on yielding for longer than lat
}

func (c *canceler) fire() {
	c.at = time.Now()
	c.cancel()
}

// value is called for each value and says whether to go on.
func (c *canceler) value() bool {
	if c.at.IsZero() {
		if c.n--; c.n <= 0 {
			c.fire()
		}
		return true
	}
	if time.Since(c.at) > c.lat {
		c.overrun = true
		return false
	}
	return true
}

func (su *suite[V]) full() error {
	return su.isolate(func() error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		return su.rangeAll(su.s.All(ctx), cancel)
	})
}

func (su *suite[V]) reiterate() error {
	return su.isolate(func() error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if su.s.Unbounded {
			// Cancellation ends an unbounded source; a second range of
			// it would only see the canceled context.
			first := su.s.All(ctx)
			drive(first, func(V, error) bool { return false })
			r := drive(first, func(V, error) bool { return false })
			if su.s.SingleUse {
				return su.singleUse(&r)
			}
			if len(su.s.Want) > 0 && (len(r.values) == 0 || !su.equal(r.values[0], su.s.Want[0])) {
				return fmt.Errorf("a second range began with %s %v, want Want[0] again", ended(&r), r.values)
			}
			return r.violationErr()
		}
		seq := su.s.All(ctx)
		if err := su.rangeAll(seq, cancel); err != nil {
			return fmt.Errorf("first range: %w", err)
		}
		if su.s.SingleUse {
			r := drive(seq, func(V, error) bool { return true })
			return su.singleUse(&r)
		}
		if err := su.rangeAll(seq, cancel); err != nil {
			return fmt.Errorf("second range of the same iterator (a source is re-iterable unless SingleUse): %w", err)
		}
		return nil
	})
}

func (su *suite[V]) singleUse(r *run[V]) error {
	if len(r.values) != 0 || r.err == nil || r.errs != 1 || r.panicked {
		return fmt.Errorf("a second range of a single-use iterator yielded %d values and ended with %s, want exactly one error and no value", len(r.values), ended(r))
	}
	return r.violationErr()
}

// lazy checks that constructing the iterator does nothing: no goroutine,
// no resource. isolate does the checking.
func (su *suite[V]) lazy() error {
	err := su.isolate(func() error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if su.s.All(ctx) == nil {
			return errors.New("the All constructor returned a nil iterator")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("All(ctx) not ranged must start nothing (no goroutine, no open resource): %w", err)
	}
	return nil
}

func (su *suite[V]) breakEarly() error {
	last := len(su.s.Want) - 1
	return su.cases("break at value", []int{0, 1, su.mid(), last}, func(k int) error {
		if k > last && !su.s.Unbounded {
			return nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var brokeAt time.Time
		i := 0
		r := drive(su.s.All(ctx), func(v V, err error) bool {
			if err != nil {
				return false
			}
			if i == k {
				brokeAt = time.Now()
				return false
			}
			i++
			return true
		})
		var errs []error
		errs = append(errs, r.violationErr())
		switch {
		case r.panicked || r.err != nil:
			errs = append(errs, fmt.Errorf("the run ended with %s before the loop broke", ended(&r)))
		case brokeAt.IsZero():
			errs = append(errs, fmt.Errorf("the source ended after %d values, before the break", len(r.values)))
		default:
			if d := time.Since(brokeAt); d > su.opts.latency() {
				errs = append(errs, fmt.Errorf("the range statement returned %v after the loop body returned false, want at once (within %v)", d.Round(time.Millisecond), su.opts.latency()))
			}
			if d := su.diff(r.values, su.s.Want[:k+1]); d != "" {
				errs = append(errs, errors.New(d))
			}
		}
		return errors.Join(errs...)
	})
}

type bodyPanic struct{ k int }

func (su *suite[V]) panicInLoop() error {
	return su.cases("panic at value", []int{0, su.mid()}, func(k int) error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		p := &bodyPanic{k}
		r := drive(su.s.All(ctx), func(v V, err error) bool {
			if err != nil {
				return false
			}
			if k == 0 {
				panic(p)
			}
			k--
			return true
		})
		var errs []error
		errs = append(errs, r.violationErr())
		switch {
		case !r.panicked:
			errs = append(errs, fmt.Errorf("the loop body panicked, but the range ended with %s after %d values: the source swallowed the panic", ended(&r), len(r.values)))
		case r.panicVal != p:
			errs = append(errs, fmt.Errorf("the loop body's panic reached the caller as %v, want the body's own panic value unchanged", r.panicVal))
		}
		return errors.Join(errs...)
	})
}

// endsCanceled checks a run that was canceled (or whose deadline passed):
// the values are a prefix of Want, the last pair is an error matching
// target, and it ended within the latency.
func (su *suite[V]) endsCanceled(r *run[V], target error, at time.Time, overrun bool) error {
	var errs []error
	errs = append(errs, r.violationErr())
	if !su.isPrefix(r.values, su.s.Want) && !(su.s.Unbounded && len(r.values) > len(su.s.Want)) {
		errs = append(errs, fmt.Errorf("the values are not a prefix of Want: %s", su.diff(r.values, su.s.Want)))
	}
	lat := su.opts.latency()
	switch {
	case overrun:
		errs = append(errs, fmt.Errorf("the source went on yielding values for %v after ctx was done: it ignores cancellation", lat))
	case r.panicked:
		errs = append(errs, fmt.Errorf("the run ended with %s", ended(r)))
	case r.err == nil:
		errs = append(errs, fmt.Errorf("after ctx was done the source ended with no error after %d values: a truncated stream looks complete (want an error matching %v)", len(r.values), target))
	case !errors.Is(r.err, target):
		errs = append(errs, fmt.Errorf("after ctx was done the source ended with %q; errors.Is(err, %v) = false", r.err, target))
	}
	if !at.IsZero() {
		if d := time.Since(at); d > lat {
			errs = append(errs, fmt.Errorf("the stream ended %v after ctx was done, want within %v (Options.Latency)", d.Round(time.Millisecond), lat))
		}
	}
	return errors.Join(errs...)
}

func (su *suite[V]) cancelBefore() error {
	return su.isolate(func() error {
		ctx, cancel := context.WithCancel(context.Background())
		seq := su.s.All(ctx)
		cancel()
		at := time.Now()
		overrun := false
		r := drive(seq, func(v V, err error) bool {
			if err == nil && time.Since(at) > su.opts.latency() {
				overrun = true
				return false
			}
			return true
		})
		return su.endsCanceled(&r, context.Canceled, at, overrun)
	})
}

// cancelKs are the numbers of values after which the cancellation checks
// cancel: after the first, and in the middle, always before the end.
func (su *suite[V]) cancelKs() []int {
	ks := []int{1, su.mid()}
	if su.s.Unbounded {
		return ks
	}
	var out []int
	for _, k := range ks {
		if k >= 1 && k < len(su.s.Want) {
			out = append(out, k)
		}
	}
	return out
}

func (su *suite[V]) cancelDuring() error {
	return su.cases("cancel after values", su.cancelKs(), func(k int) error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c := &canceler{n: k, cancel: cancel, lat: su.opts.latency()}
		r := drive(su.s.All(ctx), func(v V, err error) bool {
			return err == nil && c.value()
		})
		if c.at.IsZero() {
			return fmt.Errorf("the run ended with %s after %d values, before the cancellation", ended(&r), len(r.values))
		}
		return su.endsCanceled(&r, context.Canceled, c.at, c.overrun)
	})
}

// deadlineDuring lets a real deadline pass while the loop body holds the
// k-th value, so the source meets it mid-stream (or, for a source slower
// than half the latency to yield k values, while it works: a deadline is
// honoured either way).
func (su *suite[V]) deadlineDuring() error {
	// One case: waiting for a real deadline is the slowest thing the suite
	// does, and CancelDuring covers the positions.
	ks := su.cancelKs()
	return su.cases("deadline after values", ks[len(ks)-1:], func(k int) error {
		ctx, cancel := context.WithTimeout(context.Background(), su.opts.latency()/2)
		defer cancel()
		var at time.Time
		overrun := false
		n := k
		r := drive(su.s.All(ctx), func(v V, err error) bool {
			if err != nil {
				return false
			}
			if at.IsZero() {
				if n--; n > 0 {
					return true
				}
				<-ctx.Done()
				at = time.Now()
				return true
			}
			if time.Since(at) > su.opts.latency() {
				overrun = true
				return false
			}
			return true
		})
		if at.IsZero() && r.err == nil {
			return fmt.Errorf("the run ended with %s after %d values, before the deadline", ended(&r), len(r.values))
		}
		return su.endsCanceled(&r, context.DeadlineExceeded, at, overrun)
	})
}

func (su *suite[V]) fail() error {
	return su.cases("fail after values", []int{0, 1, su.mid()}, func(n int) error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		injected := fmt.Errorf("conformance: injected failure after %d values", n)
		limit := n + len(su.s.Want) + 1
		r := drive(su.s.Fail(ctx, n, injected), func(v V, err error) bool {
			limit-- // stop a source that ignores the failure and goes on
			return err == nil && limit > 0
		})
		var errs []error
		errs = append(errs, r.violationErr())
		switch {
		case r.panicked:
			errs = append(errs, fmt.Errorf("Fail(ctx, %d, err) ended with %s", n, ended(&r)))
		case r.err == nil:
			errs = append(errs, fmt.Errorf("Fail(ctx, %d, err) ended with no error after %d values: the failure was swallowed", n, len(r.values)))
		case !errors.Is(r.err, injected):
			errs = append(errs, fmt.Errorf("Fail(ctx, %d, err) ended with %q; errors.Is(got, err) = false: the error does not wrap the cause", n, r.err))
		}
		if len(r.values) != n {
			errs = append(errs, fmt.Errorf("Fail(ctx, %d, err) yielded %d values before the error, want %d", n, len(r.values), n))
		}
		return errors.Join(errs...)
	})
}

func (su *suite[V]) stall() error {
	return su.cases("stall after values", []int{0, 1}, func(n int) error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var at atomic.Int64 // when the suite canceled, in UnixNano
		// The cancellation comes shortly after the n-th value, giving the
		// source time to block in its underlying API, or at the latest
		// after the latency, for a source that holds values back (a
		// batch being filled).
		first := su.opts.latency()
		if n == 0 {
			first = 20 * time.Millisecond
		}
		timer := time.AfterFunc(first, func() {
			at.CompareAndSwap(0, time.Now().UnixNano())
			cancel()
		})
		defer timer.Stop()
		got := 0
		overrun := false
		r := drive(su.s.Stall(ctx, n), func(v V, err error) bool {
			if err != nil {
				return false
			}
			got++
			if got == n {
				timer.Reset(20 * time.Millisecond)
			}
			if t := at.Load(); t != 0 && time.Since(time.Unix(0, t)) > su.opts.latency() {
				overrun = true
				return false
			}
			return true
		})
		var errs []error
		errs = append(errs, r.violationErr())
		if len(r.values) > n {
			errs = append(errs, fmt.Errorf("Stall(ctx, %d) yielded %d values, want at most %d", n, len(r.values), n))
		}
		t := at.Load()
		switch {
		case t == 0:
			errs = append(errs, fmt.Errorf("Stall(ctx, %d) ended with %s after %d values, before the suite canceled it: it did not stall", n, ended(&r), len(r.values)))
		case overrun:
			errs = append(errs, fmt.Errorf("Stall(ctx, %d) went on yielding after the cancellation", n))
		case r.panicked:
			errs = append(errs, fmt.Errorf("the run ended with %s", ended(&r)))
		case r.err == nil:
			errs = append(errs, fmt.Errorf("canceled while stalled, the source ended with no error: a truncated stream looks complete"))
		case !errors.Is(r.err, context.Canceled):
			errs = append(errs, fmt.Errorf("canceled while stalled, the source ended with %q; errors.Is(err, context.Canceled) = false", r.err))
		default:
			if d := time.Since(time.Unix(0, t)); d > su.opts.latency() {
				errs = append(errs, fmt.Errorf("canceled while stalled, the stream ended %v later, want within %v (Options.Latency): the blocked call ignores ctx", d.Round(time.Millisecond), su.opts.latency()))
			}
		}
		return errors.Join(errs...)
	})
}
