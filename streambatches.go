package sluice

import (
	"context"
	"iter"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the batches of StreamBatches.
const (
	DefaultBatchSize = 256
	// DefaultBatchWait is Kafka's linger.ms: long enough that a source
	// yielding values a few microseconds apart fills its batches, short
	// enough that nobody waits on it.
	DefaultBatchWait = 5 * time.Millisecond
)

// StreamBatches is the batched channel form of an iterator: it is
// [StreamFunc], but each send carries a batch of up to opts.BatchSize
// values (256 by default), in order, so that a consumer pays one
// goroutine hand-off per batch rather than one per value. It is the
// recommended way to consume a source of many values through a channel:
//
//	batches, stop := sluice.StreamBatches(ctx, func(ctx context.Context) iter.Seq2[walkdir.Entry, error] {
//		return walkdir.Dir(ctx, root, nil)
//	}, nil)
//	defer stop()
//	for batch := range batches {
//		for _, e := range batch {
//			use(e)
//		}
//	}
//	if err := stop(); err != nil {
//		return err
//	}
//
// A batch is sent when it is full, or when its first value has waited
// opts.BatchWait (5ms by default) for the rest: a source that pauses, a
// watch between events or a query between rows, does not hold back the
// values it has yielded. Each batch is a new slice, which the consumer may
// keep; its values are kept as the iterator yielded them, so they must be
// safe to keep (copy those that alias a buffer, such as the tokens of
// scanner.All, or use the source's own batched form).
//
// When the iterator fails, the values it yielded before the error are
// sent first, then the error ends the stream. In all else the channel and
// stop behave as StreamFunc's. An Observer hears each batch sent, with
// [SendEvent].Values its length, and counts values, not batches, in
// [EndEvent].Items.
func StreamBatches[V any](ctx context.Context, f func(context.Context) iter.Seq2[V, error], opts *StreamOptions) (<-chan []V, func() error) {
	out, r, ok := startRun[[]V](ctx, opts, nilSeq(f == nil))
	if !ok {
		return out, r.stop
	}
	b := &batcher[V]{r: r, out: out, done: r.ctx.Done(), size: opts.batchSize(), wait: opts.batchWait()}
	r.goLabeled(func() {
		defer r.finish(func() { close(out) })
		returned := false
		defer r.guard(&returned)
		b.timer = time.AfterFunc(time.Hour, b.expire)
		b.timer.Stop()
		defer b.end()
		seq := f(r.ctx)
		if seq == nil {
			r.fail(errNilSeq)
			returned = true
			return
		}
		stopped := false
		seq(func(v V, err error) bool {
			if stopped {
				return false // a broken seq that keeps yielding
			}
			if err != nil {
				// The values before the error go first, while the
				// context is not yet canceled by the failure.
				b.flush()
				r.fail(err)
				stopped = true
				return false
			}
			if !b.add(v) {
				stopped = true
				return false
			}
			return true
		})
		if !stopped {
			b.flush()
		}
		returned = true
	})
	return out, r.stop
}

// A batcher fills the batches of StreamBatches. The producer goroutine
// adds the values and sends each batch that fills; a timer sends a batch
// whose first value has waited too long, from a goroutine of its own,
// while the producer is inside its source.
//
// The producer writes each value into the batch's array and then
// publishes it with one compare-and-swap of state, which holds the
// batch's generation, the number of values published, and whether the
// timer has taken them: a mutex per value cost sqlrows and walkdir a
// sixth of their speed (issue 12). The timer takes the values published
// with a compare-and-swap of its own; the producer's next one then fails,
// and its value starts a new batch. Whoever sends holds sendMu, and the
// timer takes a batch only while holding it, so batches go out in the
// order they were taken.
type batcher[V any] struct {
	r    *run
	out  chan<- []V
	done <-chan struct{}
	size int
	wait time.Duration

	state atomic.Uint64               // gen<<genShift | taken | n: see pack
	buf   atomic.Pointer[batchBuf[V]] // the batch being filled, for the timer

	// The producer's own.
	cur *batchBuf[V] // nil between batches
	n   int          // values in cur
	gen uint64

	sendMu sync.Mutex
	rearm  atomic.Bool // the timer found sendMu held: restart it on unlock
	ended  atomic.Bool // the producer has ended: the timer sends nothing more

	timerMu sync.Mutex // orders the timer's restarts with its stop at the end
	timer   *time.Timer
}

// A batchBuf is the array of one batch.
type batchBuf[V any] struct {
	gen  uint64
	vals []V // of length size
}

const (
	takenBit = 1 << 32
	genShift = 33
)

// pack returns the state of a batch of generation gen with n values
// published and not taken.
func pack(gen uint64, n int) uint64 { return gen<<genShift | uint64(n) }

// newBatch starts a batch, and the timer of its first value.
func (b *batcher[V]) newBatch() {
	b.gen++
	b.cur = &batchBuf[V]{gen: b.gen, vals: make([]V, b.size)}
	b.n = 0
	b.buf.Store(b.cur)
	b.state.Store(pack(b.gen, 0))
	b.restart()
}

// restart starts the timer afresh, unless the producer has ended.
func (b *batcher[V]) restart() {
	b.timerMu.Lock()
	if !b.ended.Load() {
		b.timer.Reset(b.wait)
	}
	b.timerMu.Unlock()
}

// add adds v to the batch, and sends the batch if v fills it. It reports
// false when the stream must end: the send was cut short.
func (b *batcher[V]) add(v V) bool {
	if b.cur == nil {
		b.newBatch()
	}
	b.cur.vals[b.n] = v
	if old := pack(b.gen, b.n); !b.state.CompareAndSwap(old, old+1) {
		// The timer took the values before v: v starts a new batch.
		b.newBatch()
		b.cur.vals[0] = v
		b.state.Store(pack(b.gen, 1))
	}
	b.n++
	if b.n < b.size {
		return true
	}
	return b.flush()
}

// flush sends the values of the batch being filled that the timer has not
// taken, if any.
func (b *batcher[V]) flush() bool {
	if b.cur == nil {
		return true
	}
	cur, n := b.cur, b.n
	b.cur = nil
	b.sendMu.Lock()
	defer b.unlockSend()
	if n == 0 || !b.state.CompareAndSwap(pack(cur.gen, n), pack(cur.gen, n)|takenBit) {
		return true // taken by the timer, which has sent them
	}
	return send(b.r, b.out, b.done, cur.vals[:n:n], n)
}

// unlockSend unlocks sendMu, and restarts the timer if it fired while
// sendMu was held.
func (b *batcher[V]) unlockSend() {
	b.sendMu.Unlock()
	if b.rearm.Swap(false) {
		b.restart()
	}
}

// expire is the timer's: it sends the values published in the batch being
// filled, unless a batch is being sent (the consumer is the slower, and
// the producer may go on filling this one: the timer is restarted when the
// send ends) or the producer has ended.
func (b *batcher[V]) expire() {
	if !b.sendMu.TryLock() {
		b.rearm.Store(true)
		if b.sendMu.TryLock() { // unlocked in between, without seeing rearm
			b.rearm.Store(false)
		} else {
			return
		}
	}
	defer b.unlockSend()
	if b.ended.Load() {
		return
	}
	for {
		s := b.state.Load()
		cur := b.buf.Load()
		n := int(s & (takenBit - 1))
		switch {
		case cur == nil || s>>genShift != cur.gen:
			continue // a batch begun between the two loads
		case s&takenBit != 0 || n == 0:
			return
		}
		if !b.state.CompareAndSwap(s, s|takenBit) {
			continue // the producer published another value
		}
		batch := cur.vals[:n:n]
		if b.r.name == "" {
			send(b.r, b.out, b.done, batch, n)
			return
		}
		pprof.Do(b.r.ctx, pprof.Labels("sluice.stream", b.r.name), func(context.Context) {
			send(b.r, b.out, b.done, batch, n)
		})
		return
	}
}

// end stops the timer, and waits for a send of its under way, so that
// nothing is sent once the producer has returned.
func (b *batcher[V]) end() {
	b.timerMu.Lock()
	b.ended.Store(true)
	b.timer.Stop()
	b.timerMu.Unlock()
	// A send of the timer's under way holds sendMu; one that has not
	// begun will find ended set.
	b.sendMu.Lock()
	b.ended.Store(true)
	b.sendMu.Unlock()
}
