package sluice

import (
	"errors"
	"iter"
)

var errNilChan = errors.New("sluice: FromStream of a nil channel")

// FromStream returns an iterator over the values received from ch, the
// channel form of a stream, followed by the terminal error that stop
// returns, if any: the iterator form of a channel. It calls stop when the
// channel is closed, and also when the loop ends early (break, return or
// panic in the loop body), so the producer is canceled and waited for.
// stop may be nil for a channel that has no stop function; the iterator
// then ends when ch is closed, without error.
//
// It returns a single-use iterator: a channel can be drained only once.
func FromStream[V any](ch <-chan V, stop func() error) iter.Seq2[V, error] {
	if stop == nil {
		stop = func() error { return nil }
	}
	return SingleUse(func(yield func(V, error) bool) {
		var zero V
		if ch == nil {
			stop()
			yield(zero, errNilChan)
			return
		}
		ended := false
		defer func() {
			if !ended {
				stop() // early break or a panic in the loop body
			}
		}()
		for v := range ch {
			if !yield(v, nil) {
				return
			}
		}
		ended = true
		if err := stop(); err != nil {
			yield(zero, err)
		}
	})
}
