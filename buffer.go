package sluice

import (
	"context"
	"iter"
)

// Buffer is [Stream] with a channel of capacity n: a decoupling stage that
// lets the producer run up to n values ahead of its consumer, absorbing
// bursts on either side. It overrides opts.Buffer. Put it between two
// stages of a pipeline by way of [FromStream]:
//
//	ch, stop := sluice.Buffer(ctx, sluice.FromStream(upstream, upstreamStop), 1024, nil)
//
// Stopping the buffer stops the upstream stage too (FromStream calls its
// stop when the buffer stops ranging it), and an upstream error is the
// buffer's terminal error.
func Buffer[V any](ctx context.Context, seq iter.Seq2[V, error], n int, opts *StreamOptions) (<-chan V, func() error) {
	o := StreamOptions{}
	if opts != nil {
		o = *opts
	}
	o.Buffer = n
	return Stream(ctx, seq, &o)
}
