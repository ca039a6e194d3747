package scanner

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cancel"
	"github.com/sluice-go/sluice/internal/cursor"
)

// start checks ctx and prepares a scan of r, resumed if c says so. release
// undoes what interrupt did.
func (c *config) start(ctx context.Context, r io.Reader) (s *scan, release func(), err error) {
	if err := sluice.ContextError(ctx); err != nil {
		return nil, nil, err
	}
	s = newScan(ctx, r, c.opts)
	release = interrupt(ctx, r, c.opts.CloseOnCancel)
	if c.resume {
		if err := s.resume(c.off, c.line); err != nil {
			release()
			return nil, nil, err
		}
	}
	return s, release, nil
}

// resume positions the scan at offset off, on line line: by seeking r if
// it can, by reading and discarding up to it otherwise, which also checks
// the line.
func (s *scan) resume(off, line int64) error {
	bad := func(why string, args ...any) error {
		return cursor.Bad(ErrBadCursor, s.opts.After, fmt.Sprintf(why, args...))
	}
	if sk, ok := s.r.(io.Seeker); ok {
		if cur, err := sk.Seek(0, io.SeekCurrent); err == nil {
			// Seekable (not a pipe): the cursor must be within the input.
			end, err := sk.Seek(0, io.SeekEnd)
			if err == nil {
				if end-cur < off {
					_, err = sk.Seek(cur, io.SeekStart)
					if err == nil {
						return bad("offset %d is past the end of the input (%d bytes)", off, end-cur)
					}
				} else {
					_, err = sk.Seek(cur+off, io.SeekStart)
				}
			}
			if err != nil {
				return fmt.Errorf("scanner: seeking to the cursor: %w", err)
			}
			s.off, s.line = off, line
			return nil
		}
	}
	for s.off < off {
		if !s.fill() {
			if s.err != nil {
				return s.err
			}
			if s.rerr == io.EOF {
				return bad("offset %d is past the end of the input (%d bytes)", off, s.off+int64(s.end-s.start))
			}
			s.readFailed()
			return s.err
		}
		n := int(min(int64(s.end-s.start), off-s.off))
		s.consume(n, bytes.Count(s.buf[s.start:s.start+n], newline))
	}
	if s.line != line {
		return bad("offset %d is on line %d of the input", off, s.line)
	}
	return nil
}

// A deadliner is a reader whose blocked Read a read deadline interrupts:
// an *os.File the runtime poller manages (os.Pipe, a FIFO, a socket) or a
// net.Conn.
type deadliner interface {
	SetReadDeadline(t time.Time) error
}

// interrupt arranges for ctx being done to interrupt a Read blocked on r:
// it sets a read deadline in the past if r has SetReadDeadline, and closes
// r if closeIt and r is an io.Closer. The Read then fails, and the scan
// reports the cancellation rather than that failure.
//
// The returned release must be called when the scan is over. If the
// deadline was set, release clears it (sets the zero time), so that the
// reader, if not closed, is usable again.
func interrupt(ctx context.Context, r io.Reader, closeIt bool) (release func()) {
	d, canDeadline := r.(deadliner)
	c, canClose := r.(io.Closer)
	canClose = canClose && closeIt
	if !canDeadline && !canClose {
		return func() {}
	}
	return cancel.Interrupt(ctx, func() (undo func()) {
		deadlineSet := canDeadline && d.SetReadDeadline(time.Unix(1, 0)) == nil
		if canClose {
			c.Close()
			return nil // closed: nothing to undo
		}
		if !deadlineSet {
			return nil
		}
		return func() { d.SetReadDeadline(time.Time{}) }
	})
}
