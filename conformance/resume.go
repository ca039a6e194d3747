package conformance

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
)

// resume checks that for cursors taken from a full run (see resumeAt for
// which), the values up to the cursor followed by the run resumed after it
// equal Want: nothing lost, nothing repeated.
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
	return su.cases("cursor at value", resumeAt(len(full), su.s.PageSize), func(i int) error {
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

// allCursors is the largest Want whose every cursor Resume checks.
const allCursors = 64

// resumeAt returns the indices, in order, of the values of a run of n
// whose cursors Resume checks: every one when n <= allCursors; otherwise
// the first and last three, the middle, sixteen spread across the run and,
// with a page size, the values on both sides of the first three page
// boundaries and of four more spread through the run, up to the last. That
// is at most 37 cursors, each a full resumed run.
func resumeAt(n, page int) []int {
	if n <= allCursors {
		ks := make([]int, n)
		for i := range ks {
			ks[i] = i
		}
		return ks
	}
	seen := make(map[int]bool)
	add := func(i int) {
		if i >= 0 && i < n {
			seen[i] = true
		}
	}
	for i := range 3 {
		add(i)
		add(n - 1 - i)
	}
	add(n / 2)
	const spread = 16
	for i := range spread {
		add(i * (n - 1) / (spread - 1))
	}
	if page > 0 {
		// Boundary b lies between the values at b*page-1 and b*page.
		bounds := (n - 1) / page
		both := func(b int) {
			add(b*page - 1)
			add(b * page)
		}
		const first, more = 3, 4
		for b := 1; b <= min(first, bounds); b++ {
			both(b)
		}
		if rest := bounds - first; rest > 0 {
			for j := 1; j <= more; j++ {
				both(first + (j*rest+more-1)/more)
			}
		}
	}
	ks := make([]int, 0, len(seen))
	for i := range seen {
		ks = append(ks, i)
	}
	slices.Sort(ks)
	return ks
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

// badCursors checks that After refuses each of BadCursors: one error pair
// and no value before it, never a stream read as if the cursor were "" (the
// start), a position of its own, or the end.
func (su *suite[V]) badCursors() error {
	var errs []error
	for _, c := range su.s.BadCursors {
		err := su.isolate(func() error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// A cursor read as a position may go on to the end of the
			// source (or forever, for an Unbounded one): a few values
			// past Want say enough.
			limit := len(su.s.Want) + 1
			r := drive(su.s.After(ctx, c), func(v V, err error) bool {
				limit--
				return err == nil && limit > 0
			})
			var errs []error
			errs = append(errs, r.violationErr())
			n := len(r.values)
			switch {
			case r.panicked:
				errs = append(errs, fmt.Errorf("After(%q) ended with %s, want one error pair", c, ended(&r)))
			case r.err == nil && n == 0:
				errs = append(errs, fmt.Errorf("After(%q) yielded no value and no error: a bad cursor must be refused, not read as the end (an empty stream looks complete)", c))
			case r.err == nil:
				errs = append(errs, fmt.Errorf("After(%q) yielded %d values and no error: a bad cursor must be refused, not read as %s", c, n, su.readAs(r.values)))
			case n > 0:
				errs = append(errs, fmt.Errorf("After(%q) yielded %d values before its error %q: a bad cursor must be refused before the first value, not read as %s", c, n, r.err, su.readAs(r.values)))
			}
			return errors.Join(errs...)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("cursor %q: %w", c, err))
		}
	}
	return errors.Join(errs...)
}

// readAs describes where a source that accepted a bad cursor resumed.
func (su *suite[V]) readAs(got []V) string {
	if len(su.s.Want) > 0 && su.equal(got[0], su.s.Want[0]) {
		return "the start"
	}
	return "a position (it resumed at " + short(got[0]) + ")"
}
