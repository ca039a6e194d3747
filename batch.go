package sluice

import (
	"fmt"
	"iter"
)

// Batch returns an iterator over the values of seq in slices of n, the
// last one possibly shorter, so that a channel send, a COPY or a request
// carries n values instead of one. Each slice is newly allocated and safe
// to keep; the values in it are kept as seq yielded them, so seq's values
// must be safe to keep too (copy those that alias a buffer, such as the
// bytes of scanner.All's tokens, or use the source's own batched form). If seq fails, the values before the error are yielded as a
// final short batch and then the error.
//
// Batch groups by count alone: a batch waits for its n values however
// long seq takes to yield them, since an iterator cannot send a batch
// while it waits for seq. For a batch sent when its first value has
// waited too, use [StreamBatches] over an iterator, or [BatchStream] over
// a channel.
//
// Batch is as re-iterable as seq. An n below 1 yields one error.
func Batch[V any](seq iter.Seq2[V, error], n int) iter.Seq2[[]V, error] {
	return func(yield func([]V, error) bool) {
		if n < 1 {
			yield(nil, fmt.Errorf("sluice: Batch size %d, want at least 1", n))
			return
		}
		if seq == nil {
			yield(nil, errNilSeq)
			return
		}
		// seq is called directly rather than ranged: this is the hot
		// loop of every batched stream, and a plain closure costs less
		// per value than a range-over-func body (see BENCHMARKS.md).
		var batch []V
		stopped := false
		seq(func(v V, err error) bool {
			if stopped {
				return false // a broken seq that keeps yielding
			}
			if err != nil {
				if len(batch) > 0 && !yield(batch, nil) {
					stopped = true
					return false
				}
				yield(nil, err)
				stopped = true
				return false
			}
			if batch == nil {
				batch = make([]V, 0, n)
			}
			batch = append(batch, v)
			if len(batch) == n {
				if !yield(batch, nil) {
					stopped = true
					return false
				}
				batch = nil
			}
			return true
		})
		if len(batch) > 0 && !stopped {
			yield(batch, nil)
		}
	}
}

// Unbatch returns an iterator over the values of the slices of seq, in
// order: the inverse of [Batch], for the consumer of a batched stream.
func Unbatch[V any](seq iter.Seq2[[]V, error]) iter.Seq2[V, error] {
	return func(yield func(V, error) bool) {
		if seq == nil {
			var zero V
			yield(zero, errNilSeq)
			return
		}
		for batch, err := range seq {
			if err != nil {
				var zero V
				yield(zero, err)
				return
			}
			for _, v := range batch {
				if !yield(v, nil) {
					return
				}
			}
		}
	}
}

// Concat returns an iterator over the values of each of seqs in turn, as
// one stream: it ranges each only when the previous one has ended, and
// ends at the first error. It is as re-iterable as its parts.
func Concat[V any](seqs ...iter.Seq2[V, error]) iter.Seq2[V, error] {
	return func(yield func(V, error) bool) {
		for _, seq := range seqs {
			if seq == nil {
				var zero V
				yield(zero, errNilSeq)
				return
			}
			for v, err := range seq {
				if !yield(v, err) || err != nil {
					return
				}
			}
		}
	}
}

// Flatten returns an iterator over the values of each iterator that seqs
// yields, in order: an iterator of iterators flattened, for when the parts
// are not known in advance (pages, files, partitions). An error from seqs
// or from any part ends the stream.
func Flatten[V any](seqs iter.Seq2[iter.Seq2[V, error], error]) iter.Seq2[V, error] {
	return func(yield func(V, error) bool) {
		var zero V
		if seqs == nil {
			yield(zero, errNilSeq)
			return
		}
		for seq, err := range seqs {
			if err != nil {
				yield(zero, err)
				return
			}
			if seq == nil {
				yield(zero, errNilSeq)
				return
			}
			for v, err := range seq {
				if !yield(v, err) || err != nil {
					return
				}
			}
		}
	}
}
