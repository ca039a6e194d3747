// Package observetest holds the small streams the tests of the observers
// (observe, observe/prom, observe/otel) drive them with, and the run of
// streams that observe/prom and observe/otel both read their metrics
// back from.
package observetest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"testing"
	"time"

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

// ErrBroken is the error the stream "failed" of [Streams] fails with.
var ErrBroken = errors.New("broken")

// Streams drives real streams through obs, one after another, one for
// each way a stream ends and each kind of send, and fails t if one does
// not stop as it should. By stream name:
//
//	unbuffered  100 values, no buffer; exhausted
//	buffered    100 values, a buffer of 8; exhausted
//	three       3 values into a buffer of 8, read only after the third
//	            send: its last saturation is exactly 3/8; exhausted
//	"" (none)   10 values, no buffer; exhausted
//	stopped     5 values, no buffer; stopped
//	canceled    3 values, no buffer; canceled
//	deadline    2 values, no buffer; deadline_exceeded
//	failed      4 values, a buffer of 2; failed with ErrBroken
//	merge       150 values, a Merge of three parts of 50, a buffer of 4; exhausted
//	batches     100 values, StreamBatches in 13 sends of up to 8; exhausted
func Streams(t testing.TB, obs sluice.Observer) {
	t.Helper()
	opts := func(name string, buffer int) *sluice.StreamOptions {
		return &sluice.StreamOptions{Name: name, Buffer: buffer, Observer: obs}
	}
	ctx := context.Background()

	ch, stop := sluice.Stream(ctx, Ints(100, nil), opts("unbuffered", 0))
	Drain(ch, -1)
	MustStop(t, "unbuffered", stop, nil)

	ch, stop = sluice.Stream(ctx, Ints(100, nil), opts("buffered", 8))
	Drain(ch, -1)
	MustStop(t, "buffered", stop, nil)

	sent := make(chan struct{})
	threeThenSignal := func(yield func(int, error) bool) {
		for i := range 3 {
			if !yield(i, nil) {
				return
			}
		}
		close(sent)
	}
	ch, stop = sluice.Stream(ctx, iter.Seq2[int, error](threeThenSignal), opts("three", 8))
	<-sent
	Drain(ch, -1)
	MustStop(t, "three", stop, nil)

	ch, stop = sluice.Stream(ctx, Ints(10, nil), opts("", 0))
	Drain(ch, -1)
	MustStop(t, "unnamed", stop, nil)

	// Unbuffered, so exactly the 5 values received were sent.
	ch, stop = sluice.Stream(ctx, Ints(-1, nil), opts("stopped", 0))
	Drain(ch, 5)
	MustStop(t, "stopped", stop, nil)

	cctx, cancel := context.WithCancel(ctx)
	ch, stop = sluice.Stream(cctx, Ints(-1, nil), opts("canceled", 0))
	Drain(ch, 3)
	cancel()
	MustStop(t, "canceled", stop, context.Canceled)

	dctx, dcancel := context.WithTimeout(ctx, 20*time.Millisecond)
	ch, stop = sluice.StreamFunc(dctx, BlockAfter(2), opts("deadline", 0))
	Drain(ch, -1)
	MustStop(t, "deadline", stop, context.DeadlineExceeded)
	dcancel()

	ch, stop = sluice.Stream(ctx, Ints(4, ErrBroken), opts("failed", 2))
	Drain(ch, -1)
	MustStop(t, "failed", stop, ErrBroken)

	part := func(context.Context) iter.Seq2[int, error] { return Ints(50, nil) }
	ch, stop = sluice.Merge(ctx, []func(context.Context) iter.Seq2[int, error]{part, part, part}, opts("merge", 4))
	Drain(ch, -1)
	MustStop(t, "merge", stop, nil)

	bch, bstop := sluice.StreamBatches(ctx, func(context.Context) iter.Seq2[int, error] { return Ints(100, nil) },
		&sluice.StreamOptions{Name: "batches", Observer: obs, BatchSize: 8, BatchWait: time.Hour})
	Drain(bch, -1)
	MustStop(t, "batches", bstop, nil)
}

// MustStop calls stop and fails t at once unless its error matches want
// (nil: no error; otherwise errors.Is). name says which stream it was.
func MustStop(t testing.TB, name string, stop func() error, want error) {
	t.Helper()
	err := stop()
	if want == nil && err != nil || want != nil && !errors.Is(err, want) {
		t.Fatalf("%s: stop() = %v, want %v", name, err, want)
	}
}

// Keys returns the sorted keys of m, printed, for messages.
func Keys[V any](m map[string]V) string {
	return fmt.Sprint(slices.Sorted(maps.Keys(m)))
}
