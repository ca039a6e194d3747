package main

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"syscall"
	"time"

	"github.com/sluice-go/sluice"
)

// A stream is the channel form of a source as drive reads it: batches of
// values, or values one at a time (a source of few values, whose
// channel form does setup before it returns, as watch does), and stop.
type stream[V any] struct {
	batches <-chan []V
	values  <-chan V
	stop    func() error
}

// streamBatches is the channel form the command reads a source of many
// values through: batches (sluice.StreamBatches), so that it pays a
// goroutine hand-off per batch, not per value.
func streamBatches[V any](ctx context.Context, r *runner, f func(context.Context) iter.Seq2[V, error]) stream[V] {
	ch, stop := sluice.StreamBatches(ctx, f, r.streamOptions())
	return stream[V]{batches: ch, stop: stop}
}

// drive copies the values of s to stdout, printed by p, until s ends,
// --limit is reached or ctx is done (a signal), and stops s. It returns
// nil for a complete run (or one cut by --limit, or by a closed stdout
// pipe), an *interruptedError, or the source's error.
func drive[V any](ctx context.Context, r *runner, s stream[V], p *printer[V]) error {
	defer s.stop()
	o := newOutput(r, p)
	tick := time.NewTicker(flushInterval)
	defer tick.Stop()
	limit := int64(r.flags.limit)
	limited := false
	var werr error
	// put writes v, and reports whether the run goes on.
	put := func(v V) bool {
		if werr = o.write(v); werr != nil {
			return false
		}
		if limit > 0 && r.lines >= limit {
			limited = true
			return false
		}
		return true
	}
loop:
	for ctx.Err() == nil {
		select {
		case batch, ok := <-s.batches:
			if !ok {
				break loop
			}
			for _, v := range batch {
				if !put(v) {
					break loop
				}
			}
		case v, ok := <-s.values:
			if !ok || !put(v) {
				break loop
			}
		case <-tick.C:
			if werr = o.flush(); werr != nil {
				break loop
			}
			r.progress()
		case <-ctx.Done():
		}
	}
	err := s.stop()
	if werr == nil {
		werr = o.flush()
	}
	interrupted := ctx.Err() != nil
	switch {
	case werr != nil:
		if serr := o.save(false); serr != nil {
			return serr
		}
		if errors.Is(werr, syscall.EPIPE) {
			return nil // the reader has gone, as with head: end quietly
		}
		return werr
	case interrupted:
		if serr := o.save(false); serr != nil {
			return serr
		}
		return &interruptedError{cursor: o.cursor(), cursors: r.ident != ""}
	case limited:
		return o.save(false)
	case err != nil:
		if serr := o.save(false); serr != nil {
			return errors.Join(err, serr)
		}
		if r.ident != "" && r.flushed > 0 {
			return fmt.Errorf("%w (resume with --after %s)", err, shellQuote(o.cursor()))
		}
		return err
	}
	r.ended()
	return o.save(true)
}
