package scanner

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/sluice-go/sluice"
)

// start checks the arguments and ctx, and prepares a scan of r, resumed
// if opts say so. release undoes what interrupt did.
func start(ctx context.Context, r io.Reader, opts *Options) (s *scan, release func(), err error) {
	opts = opts.orDefault()
	if err := opts.check(); err != nil {
		return nil, nil, err
	}
	if err := sluice.ContextError(ctx); err != nil {
		return nil, nil, err
	}
	if r == nil {
		return nil, nil, errNilReader
	}
	s = newScan(ctx, r, opts)
	release = interrupt(ctx, r, opts.CloseOnCancel)
	if opts.After != "" {
		if err := s.resume(opts.After); err != nil {
			release()
			return nil, nil, err
		}
	}
	return s, release, nil
}

// resume positions the scan after the cursor: by seeking r if it can, by
// reading and discarding up to it otherwise.
func (s *scan) resume(cursor string) error {
	off, line, err := decodeCursor(cursor)
	if err != nil {
		return err
	}
	if sk, ok := s.r.(io.Seeker); ok {
		if cur, err := sk.Seek(0, io.SeekCurrent); err == nil {
			// Seekable (not a pipe): the cursor must be within the input.
			end, err := sk.Seek(0, io.SeekEnd)
			if err == nil {
				if end-cur < off {
					_, err = sk.Seek(cur, io.SeekStart)
					if err == nil {
						return fmt.Errorf("%w: offset %d is beyond the end of the input (%d bytes)", ErrBadCursor, off, end-cur)
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
				return fmt.Errorf("%w: offset %d is beyond the end of the input (%d bytes)", ErrBadCursor, off, s.off+int64(s.end-s.start))
			}
			s.readFailed()
			return s.err
		}
		n := min(int64(s.end-s.start), off-s.off)
		s.consume(int(n), 0)
	}
	s.line = line
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
	if ctx.Done() == nil || (!canDeadline && !canClose) {
		return func() {}
	}
	fired := make(chan struct{})
	deadlineSet := false
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		if canDeadline {
			deadlineSet = d.SetReadDeadline(time.Unix(1, 0)) == nil
		}
		if canClose {
			c.Close()
			deadlineSet = false
		}
	})
	return func() {
		if stop() {
			return // ctx was not done: nothing was touched
		}
		<-fired // the goroutine of AfterFunc must not outlive the scan
		if deadlineSet {
			d.SetReadDeadline(time.Time{})
		}
	}
}
