package sluice

import (
	"context"
	"iter"
	"sync"
)

// Merge calls each of parts in its own goroutine, ranges the iterator it
// returns, and sends the values of all of them on one channel as they
// come: a fan-in. The order between values of different parts is not
// defined; the values of one part keep their order.
//
// Each part is built with the merge's own context, as with
// errgroup.WithContext: the first error of any part cancels that context,
// which reaches the others even while they are blocked inside their
// sources, and stop returns that error. Otherwise stop behaves as
// [Stream]'s. The channel is closed when every part has ended.
// opts.Observer, if any, is called from all the goroutines.
//
// A part that is already an iterator ignores the context it is given:
//
//	func(context.Context) iter.Seq2[V, error] { return seq }
func Merge[V any](ctx context.Context, parts []func(context.Context) iter.Seq2[V, error], opts *StreamOptions) (<-chan V, func() error) {
	var missing error
	for _, f := range parts {
		if f == nil {
			missing = errNilSeq
		}
	}
	out, r, ok := startRun[V](ctx, opts, missing)
	if !ok {
		return out, r.stop
	}
	var wg sync.WaitGroup
	wg.Add(len(parts))
	for _, f := range parts {
		r.goLabeled(func() {
			defer wg.Done()
			producePart(r, out, f)
		})
	}
	go func() {
		wg.Wait()
		r.finish(func() { close(out) })
	}()
	return out, r.stop
}
