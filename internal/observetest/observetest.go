// Package observetest holds the small streams the tests of the observers
// (observe, observe/prom, observe/otel) drive them with.
package observetest

import (
	"context"
	"iter"

	"github.com/sluice-go/sluice"
)

// Ints yields 0, 1, … n-1 (forever if n < 0), then err if not nil.
func Ints(n int, err error) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := 0; n < 0 || i < n; i++ {
			if !yield(i, nil) {
				return
			}
		}
		if err != nil {
			yield(0, err)
		}
	}
}

// BlockAfter yields n values, then waits for ctx and yields its error
// (with its cause, as sluice.ContextError gives it).
func BlockAfter(n int) func(context.Context) iter.Seq2[int, error] {
	return func(ctx context.Context) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			for i := range n {
				if !yield(i, nil) {
					return
				}
			}
			<-ctx.Done()
			yield(0, sluice.ContextError(ctx))
		}
	}
}

// Drain receives up to max values from ch (all if max < 0) and returns
// how many it received.
func Drain[V any](ch <-chan V, max int) int {
	n := 0
	for max < 0 || n < max {
		if _, ok := <-ch; !ok {
			break
		}
		n++
	}
	return n
}
