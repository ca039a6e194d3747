package sluice_test

import (
	"context"
	"iter"
	"strconv"
	"sync/atomic"

	"github.com/sluice-go/sluice"
)

// ints is a correct source of the ints from..n-1, with every capability the
// conformance suite knows, for testing the root package's stages on.
type ints struct {
	n    int
	open atomic.Int32
}

// seq yields from..n-1; it fails with failErr after failAfter values when
// failAfter >= 0, and stalls after stallAfter values when stallAfter >= 0.
func (s *ints) seq(ctx context.Context, from, failAfter int, failErr error, stallAfter int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		s.open.Add(1)
		defer s.open.Add(-1)
		for i, k := from, 0; ; i, k = i+1, k+1 {
			if k == failAfter {
				yield(0, failErr)
				return
			}
			if k == stallAfter {
				<-ctx.Done()
				yield(0, context.Cause(ctx))
				return
			}
			if i >= s.n && failAfter < 0 && stallAfter < 0 {
				return
			}
			if err := sluice.ContextError(ctx); err != nil {
				yield(0, err)
				return
			}
			if !yield(i, nil) {
				return
			}
		}
	}
}

func (s *ints) all(ctx context.Context) iter.Seq2[int, error] { return s.seq(ctx, 0, -1, nil, -1) }

func (s *ints) fail(ctx context.Context, n int, err error) iter.Seq2[int, error] {
	return s.seq(ctx, 0, n, err, -1)
}

func (s *ints) stall(ctx context.Context, n int) iter.Seq2[int, error] {
	return s.seq(ctx, 0, -1, nil, n)
}

func (s *ints) after(ctx context.Context, cursor string) iter.Seq2[int, error] {
	c, err := strconv.Atoi(cursor)
	if err != nil {
		return func(yield func(int, error) bool) { yield(0, err) }
	}
	return s.seq(ctx, c+1, -1, nil, -1)
}

func (s *ints) want() []int {
	w := make([]int, s.n)
	for i := range w {
		w[i] = i
	}
	return w
}

func cursor(v int) string { return strconv.Itoa(v) }

// part is a slice of values as a source that honours ctx.
func part(ctx context.Context, vs ...int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for _, v := range vs {
			if err := ctx.Err(); err != nil {
				yield(0, err)
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

func failing(err error) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) { yield(0, err) }
}
