package sluice_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-go/sluice"
)

// pairs collects every pair of seq, ranged to its end.
func pairs[V any](seq iter.Seq2[V, error]) (vs []V, errs []error) {
	for v, err := range seq {
		vs, errs = append(vs, v), append(errs, err)
	}
	return vs, errs
}

// counted returns an iterator over 1, 2, 3 and the number of times it has
// been ranged.
func counted() (iter.Seq2[int, error], *int) {
	ranges := new(int)
	return func(yield func(int, error) bool) {
		*ranges++
		for i := 1; i <= 3; i++ {
			if !yield(i, nil) {
				return
			}
		}
	}, ranges
}

func TestSingleUse(t *testing.T) {
	seq, ranges := counted()
	once := sluice.SingleUse(seq)
	vs, errs := pairs(once)
	if !slices.Equal(vs, []int{1, 2, 3}) || slices.ContainsFunc(errs, func(e error) bool { return e != nil }) {
		t.Errorf("first range = %v, %v; want [1 2 3] and no error", vs, errs)
	}
	for i := 2; i <= 3; i++ {
		vs, errs := pairs(once)
		if len(errs) != 1 || !errors.Is(errs[0], sluice.ErrReused) || vs[0] != 0 {
			t.Errorf("range %d = %v, %v; want the one pair (0, ErrReused)", i, vs, errs)
		}
	}
	if *ranges != 1 {
		t.Errorf("the wrapped iterator was ranged %d times, want 1", *ranges)
	}
}

// A range that breaks at once still claims the iterator.
func TestSingleUseClaimedByBreak(t *testing.T) {
	seq, ranges := counted()
	once := sluice.SingleUse(seq)
	for range once {
		break
	}
	vs, errs := pairs(once)
	if len(errs) != 1 || !errors.Is(errs[0], sluice.ErrReused) {
		t.Errorf("range after a break = %v, %v; want the one pair (0, ErrReused)", vs, errs)
	}
	if *ranges != 1 {
		t.Errorf("the wrapped iterator was ranged %d times, want 1", *ranges)
	}
}

// A consumer that stops at the ErrReused pair is obeyed (no yield after
// false).
func TestSingleUseReusedBreak(t *testing.T) {
	seq, _ := counted()
	once := sluice.SingleUse(seq)
	pairs(once)
	n := 0
	for range once {
		n++
		break
	}
	if n != 1 {
		t.Errorf("second range yielded %d pairs before break, want 1", n)
	}
}

func TestFail(t *testing.T) {
	errSetup := errors.New("walkdir: Options.Workers is -1; want 0 or more")
	seq := sluice.Fail[string](errSetup)
	for i := 1; i <= 2; i++ { // each range yields the error again
		vs, errs := pairs(seq)
		if len(errs) != 1 || errs[0] != errSetup || vs[0] != "" {
			t.Errorf("range %d = %q, %v; want the one pair (\"\", err)", i, vs, errs)
		}
	}
	for range seq {
		break // must not panic by yielding after false
	}
}

func TestSkip(t *testing.T) {
	if !strings.HasPrefix(sluice.Skip.Error(), "sluice: ") {
		t.Errorf("Skip = %q, want the prefix \"sluice: \"", sluice.Skip)
	}
	// What a Filter returned is compared with each of them, in both
	// directions, by sources and by the caller.
	answer := func() error { return sluice.Skip }
	for _, other := range []error{fs.SkipDir, fs.SkipAll, sluice.ErrReused} {
		if errors.Is(answer(), other) || errors.Is(other, sluice.Skip) {
			t.Errorf("Skip matches %v: a Filter's answers could not be told apart", other)
		}
	}
}

// A source over something that can be read only once guards itself with
// SingleUse: ranged again, it says so instead of yielding nothing.
func ExampleSingleUse() {
	lines := func(r io.Reader) iter.Seq2[string, error] {
		return sluice.SingleUse(func(yield func(string, error) bool) {
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				if !yield(sc.Text(), nil) {
					return
				}
			}
			if err := sc.Err(); err != nil {
				yield("", err)
			}
		})
	}
	seq := lines(strings.NewReader("one\ntwo\n"))
	for s, err := range seq {
		fmt.Println(s, err)
	}
	for s, err := range seq {
		fmt.Printf("%q %v\n", s, err)
	}
	// Output:
	// one <nil>
	// two <nil>
	// "" sluice: single-use iterator ranged more than once
}

// A source whose options are invalid says so as the only pair of its
// iterator, before any I/O, rather than panicking or yielding nothing.
func ExampleFail() {
	count := func(n int) iter.Seq2[int, error] {
		if n < 0 {
			return sluice.Fail[int](fmt.Errorf("count: n is %d; want 0 or more", n))
		}
		return func(yield func(int, error) bool) {
			for i := range n {
				if !yield(i, nil) {
					return
				}
			}
		}
	}
	for v, err := range count(-1) {
		fmt.Println(v, err)
	}
	// Output:
	// 0 count: n is -1; want 0 or more
}
