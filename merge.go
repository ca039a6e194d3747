package sluice

import (
	"context"
	"iter"
	"runtime/debug"
	"sync"
)

// Merge runs each of seqs in its own goroutine and sends their values on
// one channel as they come: a fan-in. The order between values of
// different seqs is not defined; the values of one seq keep their order.
//
// The channel is closed when every seq has ended. The first error of any
// seq cancels the others, and stop returns it; otherwise stop behaves as
// [Stream]'s. opts.Observer, if any, is called from all the goroutines.
func Merge[V any](ctx context.Context, seqs []iter.Seq2[V, error], opts *StreamOptions) (<-chan V, func() error) {
	out := make(chan V, opts.buffer())
	r := newRun(ctx, opts)
	for _, seq := range seqs {
		if seq == nil {
			r.fail(errNilSeq)
			r.finish(func() { close(out) })
			return out, r.stop
		}
	}
	var wg sync.WaitGroup
	wg.Add(len(seqs))
	for _, seq := range seqs {
		r.goLabeled(func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					r.recover(v, debug.Stack())
				}
			}()
			produce(r, out, seq)
		})
	}
	go func() {
		wg.Wait()
		r.finish(func() { close(out) })
	}()
	return out, r.stop
}
