package s3sink

import (
	"context"
	"sync"
)

// A ring counts the values of a stream done in the order of the stream,
// however their work (their uploads) ends: a value is done when its work
// and the work of every value before it has ended without error, so the
// values done are always the longest run of values, from the start of the
// stream, all of whose work has ended. Their count and the last of them
// are what the checkpoint saves: never past a value still at work, nor
// past one that failed.
//
// The values added and not yet done have a slot each among window slots
// (value i in slots[i % window]), which places counts: a place is taken
// (reserve) before a value is added, and given back when the value is
// done. So no more than window values wait to be done behind a slow one,
// and the reading of the stream waits for the oldest to end.
//
// It is safe for concurrent use: one goroutine adds values, workers end
// them.
type ring[V any] struct {
	places chan struct{} // a token per slot in use

	mu        sync.Mutex
	slots     []slot[V]
	added     int64 // values added: 0 … added-1
	done      int64 // values done: 0 … done-1
	last      V     // value done-1
	succeeded int64 // values whose work ended without error, done or not
	failAt    int64 // the first value (in the stream) that failed, or -1
	failErr   error // its error
}

// A slot is a value between its adding and its being counted done.
type slot[V any] struct {
	v      V
	cancel context.CancelFunc // of its work, until it ends
	ended  bool               // its work ended without error
}

func newRing[V any](window int) *ring[V] {
	return &ring[V]{
		places: make(chan struct{}, window),
		slots:  make([]slot[V], window),
		failAt: -1,
	}
}

// reserve waits for a free slot, for the next value to add, and reports
// whether it got one: false when failed or done is closed first.
func (r *ring[V]) reserve(failed, done <-chan struct{}) bool {
	select {
	case r.places <- struct{}{}:
		return true
	case <-failed:
		return false
	case <-done:
		return false
	}
}

// add puts v, whose work cancel stops, in the slot reserved for it, and
// returns its index in the stream. It returns false, and adds nothing,
// once a value has failed: the values after it could not be done.
func (r *ring[V]) add(v V, cancel context.CancelFunc) (i int64, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failAt >= 0 {
		return 0, false
	}
	i = r.added
	r.added++
	r.slots[i%int64(len(r.slots))] = slot[V]{v: v, cancel: cancel}
	return i, true
}

// end records the end of value i's work, which failed with err when err is
// not nil, and returns how many values it made done (their places are
// given back). A failure stops the work of the values after it, which
// cannot be done before it is; the values before it go on, to bring the
// values done up to it. first reports whether i is the first value to
// fail, in the order of the stream, so far.
func (r *ring[V]) end(i int64, err error) (advanced int, first bool) {
	r.mu.Lock()
	window := int64(len(r.slots))
	s := &r.slots[i%window]
	s.cancel()
	s.cancel = nil
	if err != nil {
		if r.failAt < 0 || i < r.failAt {
			r.failAt, r.failErr, first = i, err, true
			for k := i + 1; k < r.added; k++ {
				if c := r.slots[k%window].cancel; c != nil {
					c()
				}
			}
		}
		r.mu.Unlock()
		return 0, first
	}
	r.succeeded++
	s.ended = true
	for r.done < r.added {
		s := &r.slots[r.done%window]
		if !s.ended {
			break
		}
		r.last = s.v
		*s = slot[V]{}
		r.done++
		advanced++
	}
	r.mu.Unlock()
	for range advanced {
		<-r.places
	}
	return advanced, false
}

// progress returns the number of values done and the last of them.
func (r *ring[V]) progress() (done int64, last V) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done, r.last
}

// counts returns the number of values done and of values whose work
// ended without error.
func (r *ring[V]) counts() (done, succeeded int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done, r.succeeded
}

// failure returns the first value, in the order of the stream, whose work
// failed, and its error; or -1.
func (r *ring[V]) failure() (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failAt, r.failErr
}
