package sluice

import (
	"errors"
	"iter"
	"sync/atomic"
)

// SingleUse returns an iterator that ranges seq the first time it is
// ranged and yields [ErrReused], and nothing else, every time after: the
// guard of a source over something that can be read only once (an
// io.Reader, open rows, a channel). The first range claims it even if it
// breaks at once.
func SingleUse[V any](seq iter.Seq2[V, error]) iter.Seq2[V, error] {
	var used atomic.Bool
	return func(yield func(V, error) bool) {
		if used.Swap(true) {
			var zero V
			yield(zero, ErrReused)
			return
		}
		seq(yield)
	}
}

// Fail returns an iterator whose only pair is err: the iterator form of
// a source whose setup failed before it could produce anything (an invalid
// option, a malformed cursor), as [FailedStream] is its channel form. Each
// range yields err again.
func Fail[V any](err error) iter.Seq2[V, error] {
	return func(yield func(V, error) bool) {
		var zero V
		yield(zero, err)
	}
}

// Skip is the answer a Filter gives to leave out one value and go on (see
// the package documentation, "Options"). It is not an error: a stream
// never ends with it. A source of a tree still descends into a directory
// left out with Skip; fs.SkipDir leaves out the directory and everything
// under it.
//
//lint:ignore ST1012 a control value, not a failure, named as fs.SkipDir and fs.SkipAll are.
var Skip = errors.New("sluice: skip this value")
