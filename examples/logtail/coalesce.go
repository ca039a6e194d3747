package main

import (
	"iter"

	"github.com/sluice-go/sluice/sources/watch"
)

// coalesced returns the events of batches, in order, but for a Write of a
// file that the next event of its batch is a Write of too: the tailer
// reads a file to its end, so reading it once, at the last of the run,
// prints the same lines, and a burst of writes to one log costs a read a
// batch rather than a read a write. Only Writes next to each other are
// merged, so the lines of different files keep their order.
func coalesced(batches iter.Seq2[[]watch.Event, error]) iter.Seq2[watch.Event, error] {
	return func(yield func(watch.Event, error) bool) {
		for batch, err := range batches {
			if err != nil {
				yield(watch.Event{}, err)
				return
			}
			for i, e := range batch {
				if e.Op == watch.Write && i+1 < len(batch) && batch[i+1].Op == watch.Write && batch[i+1].Path == e.Path {
					continue
				}
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}
