package main

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sort"
	"syscall"
	"time"

	"github.com/sluice-go/sluice"
)

const (
	flushSize     = 64 << 10               // bytes buffered before a write to stdout
	flushInterval = 100 * time.Millisecond // the longest a line waits in the buffer
	saveInterval  = 250 * time.Millisecond // the shortest time between two checkpoint saves
)

// A printer says how the command prints the values of one source.
type printer[V any] struct {
	// json appends the fields of v's JSON object, "name":value joined by
	// commas, without the braces and without the cursor.
	json func(b []byte, v V) []byte

	// text appends v's line of --format text, without its newline.
	text func(b []byte, v V) []byte

	// cursor returns v's cursor; nil for a source without cursors. In
	// the text format it is called only for the cursors the run needs:
	// of the last line written, when the checkpoint is saved or the run
	// ends.
	cursor func(v V) string

	// pos, if not nil, returns how far the source has come with v, in
	// the unit of the progress line's total (runner.total).
	pos func(v V) int64
}

// An output writes the values of one run to stdout through a buffer, and
// keeps the value of the last line that reached stdout in full: its
// cursor is where the run resumes.
type output[V any] struct {
	r    *runner
	p    *printer[V]
	text bool

	buf  []byte
	ends []int // the offset in buf just after each line
	vals []V   // the value of each line in buf

	last    V // the value of the last line that reached stdout
	hasLast bool
}

func newOutput[V any](r *runner, p *printer[V]) *output[V] {
	return &output[V]{r: r, p: p, text: r.flags.format == "text", buf: make([]byte, 0, flushSize+4096)}
}

// write adds the line of v to the buffer, and writes the buffer out when
// it is full.
func (o *output[V]) write(v V) error {
	if o.text {
		o.buf = o.p.text(o.buf, v)
	} else {
		o.buf = append(o.buf, '{')
		o.buf = o.p.json(o.buf, v)
		if o.p.cursor != nil {
			o.buf = appendField(o.buf, "cursor")
			o.buf = appendString(o.buf, o.p.cursor(v))
		}
		o.buf = append(o.buf, '}')
	}
	o.buf = append(o.buf, '\n')
	o.ends = append(o.ends, len(o.buf))
	o.vals = append(o.vals, v)
	if o.r.lines++; o.r.lines == 1 {
		o.r.started(o.pos(v, 0))
	}
	if len(o.buf) >= flushSize {
		return o.flush()
	}
	return nil
}

// flush writes the buffer to stdout. The last line that reached stdout in
// full, even in a short write, becomes o.last.
func (o *output[V]) flush() error {
	if len(o.buf) == 0 {
		return nil
	}
	n, err := o.r.e.stdout.Write(o.buf)
	// The lines whose end is within the n bytes written.
	k := sort.SearchInts(o.ends, n+1)
	if k > 0 {
		o.last, o.hasLast = o.vals[k-1], true
		o.r.flushed += int64(k)
		o.r.pos = o.pos(o.last, o.r.flushed)
	}
	clear(o.vals) // let go of what the values hold
	o.buf, o.ends, o.vals = o.buf[:0], o.ends[:0], o.vals[:0]
	if err != nil {
		return &writeError{err}
	}
	if o.r.ckpt != nil && time.Since(o.r.lastSave) >= saveInterval {
		return o.save(false)
	}
	return nil
}

// pos returns how far the source has come with v, the line number n of
// the run: the printer's pos, or n for a source whose progress is counted
// in lines (rows, against a planner's estimate).
func (o *output[V]) pos(v V, n int64) int64 {
	if o.p.pos != nil {
		return o.p.pos(v)
	}
	return n
}

// cursor returns the cursor of the last line that reached stdout, or
// where the run started.
func (o *output[V]) cursor() string {
	if !o.hasLast || o.p.cursor == nil {
		return o.r.after
	}
	return o.p.cursor(o.last)
}

// save records the cursor of the last line written in the checkpoint, and
// whether the source was read to its end.
func (o *output[V]) save(done bool) error {
	r := o.r
	if r.ckpt == nil || (r.flushed == r.savedAt && !done) {
		return nil
	}
	if err := r.ckpt.save(o.cursor(), done); err != nil {
		return err
	}
	r.savedAt, r.lastSave = r.flushed, time.Now()
	return nil
}

// A writeError is the failure of a write to stdout.
type writeError struct{ err error }

func (e *writeError) Error() string { return "writing output: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

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
	so := r.streamOptions()
	ch, stop := sluice.StreamBatches(ctx, f, &so)
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
