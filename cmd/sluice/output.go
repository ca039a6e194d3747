package main

import (
	"sort"
	"time"
)

const (
	flushSize     = 64 << 10               // bytes buffered before a write to stdout
	flushInterval = 100 * time.Millisecond // the longest a line waits in the buffer
)

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
	o.buf = o.p.appendLine(o.buf, v, o.text)
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

// A writeError is the failure of a write to stdout.
type writeError struct{ err error }

func (e *writeError) Error() string { return "writing output: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }
