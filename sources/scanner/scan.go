package scanner

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cancel"
)

// maxEmptyReads is how many reads in a row may return nothing before the
// scan gives up with io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

// A scan is the state of one pass over a reader. Its loops (lines, split)
// yield tokens that alias buf; the channel forms copy them.
type scan struct {
	ctx context.Context

	r    io.Reader
	opts *Options
	max  int // MaxTokenSize

	buf        []byte
	start, end int   // buf[start:end] is read and not yet consumed
	off        int64 // the input offset of buf[start]
	line       int64 // the line number at buf[start]
	rerr       error // what Read last returned: once buf is drained, the input has ended
	err        error // the terminal error
	stopped    bool  // the consumer stopped the scan
	fresh      bool  // read into a new buffer each time: tokens are handed out

	// flush, if set, is called before each Read, so that a batch being
	// filled does not wait for input that may never come. It returns
	// false when the consumer stopped.
	flush func() bool

	// within, if set, tells whether a line starting at the given offset
	// is still to be read: a shard's reader ends its scan when the next
	// line starts at or after its End, before reading that line further
	// or reporting it too long (it belongs to the next shard). Only the
	// line loop asks it, with s.off at a line's start.
	within func(off int64) bool
}

func newScan(ctx context.Context, r io.Reader, opts *Options) *scan {
	return &scan{ctx: ctx, r: r, opts: opts, max: opts.maxTokenSize(), line: 1}
}

// run scans to the end of the input, or until yield returns false, and
// leaves the terminal error in s.err.
func (s *scan) run(yield func(Token, error) bool) {
	if s.opts.Split == nil {
		s.lines(yield)
	} else {
		s.split(yield)
	}
	if s.err == nil && !s.stopped {
		// A stream canceled after its last Read ends with the
		// cancellation all the same: cancellation is never silent.
		s.err = s.canceled()
	}
}

// canceled returns the error to end with if ctx is done, or nil.
func (s *scan) canceled() error { return sluice.ContextError(s.ctx) }

// fill reads more input after buf[start:end]. It reports false when no
// more will come: the input has ended (s.rerr), the scan has failed or was
// canceled (s.err), or the consumer has stopped (s.stopped).
func (s *scan) fill() bool {
	if s.rerr != nil {
		return false
	}
	if s.err = s.canceled(); s.err != nil {
		return false
	}
	if s.flush != nil && !s.flush() {
		s.stopped = true
		return false
	}
	s.makeRoom()
	for range maxEmptyReads {
		n, err := s.r.Read(s.buf[s.end:])
		if n < 0 || n > len(s.buf)-s.end {
			s.err = fmt.Errorf("scanner: Read returned %d for a buffer of %d bytes", n, len(s.buf)-s.end)
			return false
		}
		s.end += n
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.rerr = io.ErrNoProgress
	return false
}

// makeRoom makes room after buf[start:end] for a Read: it moves the
// unconsumed bytes to the front, or grows the buffer when they fill it.
func (s *scan) makeRoom() {
	if s.fresh {
		// The tokens of the last buffer were handed out: never write
		// over it, read into a new one, of readSize unless the
		// unconsumed bytes need more.
		n, pending := readSize, s.end-s.start
		for pending >= n/2 && n < s.max+2 {
			n = min(2*n, s.max+2)
		}
		buf := make([]byte, n)
		s.end = copy(buf, s.buf[s.start:s.end])
		s.buf, s.start = buf, 0
		return
	}
	if s.start > 0 && (s.end == len(s.buf) || s.start > len(s.buf)/2) {
		copy(s.buf, s.buf[s.start:s.end])
		s.end -= s.start
		s.start = 0
	}
	if s.end < len(s.buf) {
		return
	}
	// The loops never let more than max+1 bytes wait for the end of a
	// token, so a buffer of max+2 always has room.
	n := min(max(2*len(s.buf), readSize), max(readSize, s.max+2))
	buf := make([]byte, n)
	copy(buf, s.buf[s.start:s.end])
	s.buf, s.end, s.start = buf, s.end-s.start, 0
}

// readFailed sets the terminal error after the input ended with an error
// other than io.EOF.
func (s *scan) readFailed() {
	// An error of a reader interrupted by cancellation is not the
	// story: the cancellation is.
	s.err = cancel.Prefer(s.ctx, fmt.Errorf("scanner: read at offset %d: %w", s.off+int64(s.end-s.start), s.rerr))
}

// consume drops the first n unconsumed bytes, which hold nl newlines.
func (s *scan) consume(n, nl int) {
	s.start += n
	s.off += int64(n)
	s.line += int64(nl)
}

// tooLong handles a token longer than the maximum at buf[start]: it fails
// the scan, or skips the token to the end of its line. It reports whether
// the scan goes on.
func (s *scan) tooLong() bool {
	e := &TooLongError{Offset: s.off, Line: s.line, Max: s.max}
	if s.opts.OnTooLong == nil {
		s.err = e
		return false
	}
	if s.err = s.opts.OnTooLong(e); s.err != nil {
		return false
	}
	for {
		if i := bytes.IndexByte(s.buf[s.start:s.end], '\n'); i >= 0 {
			s.consume(i+1, 1)
			return true
		}
		s.consume(s.end-s.start, 0)
		if !s.fill() {
			// At the end of the input the loop finds it ended.
			return s.err == nil && !s.stopped
		}
	}
}
