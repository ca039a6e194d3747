package sluice

import (
	"context"
	"iter"
	"math"
	"testing"
	"time"
)

// TestResumeDelay: the delay before the reopening after attempt n is
// drawn from zero to min(MaxDelay, InitialDelay·2^(n-1)), and spreads over
// that whole range (full jitter), without overflow however many attempts.
func TestResumeDelay(t *testing.T) {
	for _, tc := range []struct {
		initial, max time.Duration
	}{
		{time.Millisecond, time.Second},
		{100 * time.Millisecond, 10 * time.Second},
		{time.Hour, time.Duration(math.MaxInt64)},
		{time.Duration(math.MaxInt64 / 3), time.Duration(math.MaxInt64)},
	} {
		r, err := newResumer(func(context.Context, string) iter.Seq2[int, error] { return nil }, func(int) string { return "" },
			&ResumeOptions{InitialDelay: tc.initial, MaxDelay: tc.max})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 2, 3, 10, 62, 63, 64, 1000} {
			ceil := tc.max
			if n-1 < 62 && tc.initial <= tc.max>>(n-1) {
				ceil = tc.initial << (n - 1)
			}
			lo, hi := ceil, time.Duration(0)
			for range 200 {
				d := r.delay(n)
				if d < 0 || d > ceil {
					t.Fatalf("initial %v, max %v: delay(%d) = %v, want from 0 to %v", tc.initial, tc.max, n, d, ceil)
				}
				lo, hi = min(lo, d), max(hi, d)
			}
			// 200 uniform draws all in one half: about 1 in 1e60.
			if lo > ceil/2 || hi < ceil/2 {
				t.Errorf("initial %v, max %v: delay(%d) drew from %v to %v of %v, want the whole range", tc.initial, tc.max, n, lo, hi, ceil)
			}
		}
	}
}
