package conformance

import (
	"slices"
	"testing"
)

func TestResumeAtEveryCursorOfASmallRun(t *testing.T) {
	for _, n := range []int{0, 1, 20, allCursors} {
		got := resumeAt(n, 5)
		if len(got) != n || (n > 0 && (got[0] != 0 || got[n-1] != n-1)) {
			t.Errorf("resumeAt(%d, 5) = %v, want every index from 0 to %d", n, got, n-1)
		}
	}
}

func TestResumeAtSample(t *testing.T) {
	for _, tt := range []struct {
		n, page int
		want    []int // among others
	}{
		{65, 0, []int{0, 1, 2, 32, 62, 63, 64}},
		{1000, 0, []int{0, 1, 2, 999, 998, 997, 66, 932}},
		// The first three page boundaries, both sides, and the last.
		{1000, 100, []int{99, 100, 199, 200, 299, 300, 899, 900}},
		{100, 8, []int{7, 8, 15, 16, 23, 24, 95, 96}},
		{1001, 100, []int{999, 1000}},
		{100, 200, []int{0, 99}},
	} {
		got := resumeAt(tt.n, tt.page)
		for _, i := range tt.want {
			if !slices.Contains(got, i) {
				t.Errorf("resumeAt(%d, %d) = %v, want it to hold %d", tt.n, tt.page, got, i)
			}
		}
	}
}

// However large the run and whatever its pages, Resume checks at most 40
// cursors, each once, each a value of the run, in order.
func TestResumeAtBounded(t *testing.T) {
	for n := allCursors + 1; n < 5000; n += 97 {
		for _, page := range []int{0, 1, 2, 3, 7, 64, 100, n / 2, n - 1, n, n + 1} {
			got := resumeAt(n, page)
			if len(got) > 40 || !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) || got[0] < 0 || got[len(got)-1] >= n {
				t.Fatalf("resumeAt(%d, %d) = %v (%d cursors), want at most 40 distinct indices of the run, sorted", n, page, got, len(got))
			}
		}
	}
}
