package sluice

import (
	"context"
	"iter"
	"runtime/pprof"
	"sync"
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
	out := make(chan []V, opts.buffer())
	r := newRun(ctx, opts)
	if err := opts.check(); err != nil || f == nil {
		if err == nil {
			err = errNilSeq
		}
		r.fail(err)
		r.finish(func() { close(out) })
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
// while the producer is inside its source. A batch is taken under mu and
// sent under sendMu, which the taker locks before it unlocks mu: so the
// batches go out in the order they were taken, whoever sends them.
type batcher[V any] struct {
	r    *run
	out  chan<- []V
	done <-chan struct{}
	size int
	wait time.Duration

	mu     sync.Mutex
	cur    []V  // the batch being filled
	ended  bool // the producer has ended: the timer sends nothing more
	timer  *time.Timer
	sendMu sync.Mutex
	expiry sync.WaitGroup // the timer's sends under way
}

// add adds v to the batch, and sends the batch if v fills it. It reports
// false when the stream must end: the send was cut short.
func (b *batcher[V]) add(v V) bool {
	b.mu.Lock()
	if b.cur == nil {
		b.cur = make([]V, 0, b.size)
		b.timer.Reset(b.wait)
	}
	b.cur = append(b.cur, v)
	if len(b.cur) < b.size {
		b.mu.Unlock()
		return true
	}
	return b.sendLocked()
}

// flush sends the batch being filled, if any.
func (b *batcher[V]) flush() bool {
	b.mu.Lock()
	if len(b.cur) == 0 {
		b.mu.Unlock()
		return true
	}
	return b.sendLocked()
}

// sendLocked takes the batch being filled and sends it. It is called with
// mu held, and returns with it released.
func (b *batcher[V]) sendLocked() bool {
	batch := b.cur
	b.cur = nil
	b.sendMu.Lock()
	b.mu.Unlock()
	defer b.sendMu.Unlock()
	return send(b.r, b.out, b.done, batch, len(batch))
}

// expire is the timer's: it sends the batch being filled, unless a batch
// is being sent (the consumer is the slower, and the producer will go on
// filling this one) or the producer has ended.
func (b *batcher[V]) expire() {
	b.mu.Lock()
	if b.ended || len(b.cur) == 0 {
		b.mu.Unlock()
		return
	}
	if !b.sendMu.TryLock() {
		b.timer.Reset(b.wait)
		b.mu.Unlock()
		return
	}
	batch := b.cur
	b.cur = nil
	b.expiry.Add(1)
	b.mu.Unlock()
	defer b.expiry.Done()
	defer b.sendMu.Unlock()
	if b.r.name == "" {
		send(b.r, b.out, b.done, batch, len(batch))
		return
	}
	pprof.Do(b.r.ctx, pprof.Labels("sluice.stream", b.r.name), func(context.Context) {
		send(b.r, b.out, b.done, batch, len(batch))
	})
}

// end stops the timer and waits for a send of its under way, so that
// nothing is sent once the producer has returned.
func (b *batcher[V]) end() {
	b.mu.Lock()
	b.ended = true
	b.mu.Unlock()
	b.timer.Stop()
	b.expiry.Wait()
}
