package conformance

import (
	"context"
	"errors"
	"fmt"
)

// streamFailKs are the numbers of values after which StreamFail's
// source fails: none, one, half of Want and, for a bounded source, all of
// it, when the failure comes after the last value.
func (su *suite[V]) streamFailKs() []int {
	ks := []int{0, 1, su.mid()}
	if !su.s.Unbounded {
		ks = append(ks, len(su.s.Want))
	}
	return ks
}

// streamFail drains the channel form of a source that fails after n
// values: exactly Want[:n] arrive (n of Want's values, in any order, if
// Unordered), the channel closes, and stop returns an error wrapping the
// failure, the same again when called again: a channel form must not lose
// its source's own failure, or a stream that failed looks complete.
func (su *suite[V]) streamFail() error {
	return su.cases("fail after values", su.streamFailKs(), func(n int) error {
		if n > len(su.s.Want) {
			return nil // Want[:n] is unknown
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		injected := fmt.Errorf("conformance: injected failure after %d values", n)
		ch, stop := su.s.StreamFail(ctx, n, injected)
		if ch == nil || stop == nil {
			if stop != nil {
				stop()
			}
			return errors.New("the StreamFail constructor returned a nil channel or a nil stop function")
		}
		wait := su.opts.timeout() / 2
		var got []V
		var errs []error
		for {
			v, ok, timedOut := recv(ch, wait)
			if timedOut {
				errs = append(errs, fmt.Errorf("StreamFail(ctx, %d, err): after %d values the channel neither sent a value nor was closed for %v: is it closed when the source fails?", n, len(got), wait))
				break
			}
			if !ok {
				break
			}
			got = append(got, v)
			if len(got) > n+len(su.s.Want) {
				break // a source that ignores its failure and goes on
			}
		}
		switch {
		case len(got) != n:
			errs = append(errs, fmt.Errorf("StreamFail(ctx, %d, err) sent %d values before the channel closed, want %d", n, len(got), n))
		case su.s.Unordered:
			// A parallel source fails after whichever n values came
			// first: any n of Want's.
			if d := su.diffWithin(got, su.s.Want); d != "" {
				errs = append(errs, fmt.Errorf("StreamFail(ctx, %d, err): %s", n, d))
			}
		default:
			if d := su.diff(got, su.s.Want[:n]); d != "" {
				errs = append(errs, fmt.Errorf("StreamFail(ctx, %d, err): %s", n, d))
			}
		}
		errs = append(errs, su.checkStop(ch, stop, fmt.Sprintf("of StreamFail(ctx, %d, err) after its channel closed", n), func(err error) string {
			switch {
			case err == nil:
				return "an error wrapping the source's failure: the failure was lost, and a stream that failed looks complete"
			case !errors.Is(err, injected):
				return "an error wrapping the source's failure (errors.Is(got, err) = false): the error does not wrap the cause"
			}
			return ""
		})...)
		return errors.Join(errs...)
	})
}
