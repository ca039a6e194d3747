package shard

import (
	"context"
	"errors"
	"iter"

	"github.com/sluice-go/sluice"
)

// A Source is a resumable source that can be cut into shards. Its
// packages' sharders implement it (s3list.Sharder, sqlrows.KeysetSharder,
// walkdir.Sharder, scanner.FileSharder); a third party's source can too,
// and check itself with conformance.TestShards.
type Source[V any] interface {
	// Split returns between 1 and n shards that together hold every
	// value of the source exactly once: the first starts at "", each
	// next one starts where the one before ends, and the last ends at
	// "". Their Cursors are "". Fewer than n shards come back when the
	// source has fewer places to cut (a small table, a file of a few
	// lines). An n below 1 is an error.
	Split(ctx context.Context, n int) ([]Shard, error)

	// Open returns a Reader of the values of s. A shard that Split (or a
	// Reader's Split) of this source did not make, as far as Open can
	// tell, is an error wrapping ErrBadShard, found before any I/O.
	Open(s Shard) (Reader[V], error)
}

// A Reader reads one shard.
//
// Its All, Split and Shard methods are safe to call from different
// goroutines at once: a scheduler splits a shard while it is being read.
type Reader[V any] interface {
	// All returns an iterator over the values of the shard in the
	// source's order: from Start, or strictly after Cursor when the
	// shard has one, up to End, or up to the split point of the last
	// Split that narrowed it. It keeps the iterator contract of package
	// sluice. It returns a single-use iterator.
	All(ctx context.Context) iter.Seq2[V, error]

	// Split gives away the part of the shard not yet yielded by All,
	// or about the fraction 1-keep of it (0 <= keep < 1; 0 gives away
	// everything not yet yielded): it returns that part as a new shard
	// [p, End) and narrows this reader to [Start, p), so that All
	// stops before p, exactly. Every value is then read by exactly one
	// of the two. It returns ErrNoSplit when there is nothing to give
	// away. It may read the source to find p, and is bounded by ctx.
	Split(ctx context.Context, keep float64) (Shard, error)

	// Shard returns the shard as it now stands: End narrowed by Split,
	// Cursor the cursor of the last value All yielded (or the one it was
	// opened with). Opening it again resumes where this reader stopped.
	Shard() Shard
}

// Stream returns the channel form of r.All, as sluice.StreamFunc makes it
// (opts configures it, as for every channel form).
func Stream[V any](ctx context.Context, r Reader[V], opts *sluice.StreamOptions) (<-chan V, func() error) {
	if r == nil {
		return sluice.FailedStream[V](errors.New("shard: Stream of a nil Reader"))
	}
	return sluice.StreamFunc(ctx, r.All, opts)
}
