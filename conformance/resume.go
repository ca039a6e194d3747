package conformance

import (
	"context"
	"errors"
	"fmt"
	"iter"
)

// resume checks that for cursors taken from a full run at its first, middle
// and last values, the values up to the cursor followed by the run resumed
// after it equal Want: nothing lost, nothing repeated.
func (su *suite[V]) resume() error {
	// The cursors come from values a real run yielded, as a consumer's
	// would, not from Want.
	var full []V
	if err := su.isolate(func() error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := su.take(su.s.All(ctx), len(su.s.Want), cancel)
		full = r.values
		if d := su.diff(full, su.s.Want); d != "" {
			return fmt.Errorf("the full run to take cursors from: %s", d)
		}
		return nil
	}); err != nil {
		return err
	}
	last := len(full) - 1
	return su.cases("cursor at value", []int{0, su.mid(), last}, func(i int) error {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cursor := su.s.Cursor(full[i])
		wantRest := su.s.Want[i+1:]
		r := su.take(su.s.After(ctx, cursor), len(wantRest), cancel)
		var errs []error
		errs = append(errs, r.violationErr())
		if r.panicked || (r.err != nil && !su.s.Unbounded) {
			errs = append(errs, fmt.Errorf("After(%q) ended with %s", cursor, ended(&r)))
		}
		got := r.values
		if su.s.Unbounded {
			got = got[:min(len(got), len(wantRest))]
		}
		switch {
		case len(got) > 0 && su.equal(got[0], full[i]):
			errs = append(errs, fmt.Errorf("After(%q) repeats the value at the cursor, %v: it must resume strictly after it", cursor, short(full[i])))
		case len(got) < len(wantRest) && su.isPrefix(got, wantRest[1:]) && len(got) > 0:
			errs = append(errs, fmt.Errorf("After(%q) skips %v, the value after the cursor: values were lost", cursor, short(wantRest[0])))
		default:
			if d := su.diff(got, wantRest); d != "" {
				errs = append(errs, fmt.Errorf("After(%q): the resumed run differs from Want after the cursor: %s", cursor, d))
			}
		}
		return errors.Join(errs...)
	})
}

// take ranges seq to its end, or, for an Unbounded source, through n
// values, then cancels it and lets it end.
func (su *suite[V]) take(seq iter.Seq2[V, error], n int, cancel context.CancelFunc) run[V] {
	c := &canceler{n: n, cancel: cancel, lat: su.opts.latency()}
	if su.s.Unbounded && n == 0 {
		c.fire()
	}
	limit := n + 1
	return drive(seq, func(v V, err error) bool {
		if err != nil {
			return false
		}
		if su.s.Unbounded {
			return c.value()
		}
		limit--
		return limit >= 0
	})
}
