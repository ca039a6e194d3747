package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"sync"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cursor"
	"github.com/sluice-go/sluice/shard"
)

// A fileReader reads the lines of one shard of a FileSharder's file.
type fileReader struct {
	fs    *FileSharder
	start pos // the shard's Start

	mu sync.Mutex
	sh shard.Shard // as opened, End narrowed by Split
	// at is where the first line not yet yielded starts: Start, the
	// opened Cursor, or the cursor of the last line yielded.
	at    pos
	moved bool  // a line was yielded: the cursor is at's
	end   int64 // the offset of End, MaxInt64 for the end of the file

	// wrap, if set (by tests), wraps the file as the scan reads it.
	wrap func(ctx context.Context, r io.Reader) io.Reader
	// splitting, if set (by tests), runs while Split reads the file,
	// between the lock it takes the reader's position under and the one
	// it narrows End under.
	splitting func()
}

// All returns an iterator over the lines of the shard, from its Start, or
// strictly after its Cursor, to the last line that starts before its End
// (or before the end of the file), each with the Offset, Line and Cursor
// the whole file's scan gives it. A Split from another goroutine stops it
// before the split point, exactly, even for lines already read into its
// buffer. It opens the file when ranged and closes it on return. It
// returns a single-use iterator.
//
// Unlike [File]'s, its tokens are safe to keep: it reads into a new
// buffer each time, as [FileBatches] does, so that [shard.Stream], which
// sends the tokens of All on a channel, hands out tokens the scan does
// not write over.
//
// A file that no longer matches the shard (shorter than its End, or
// without a line starting at its Start) fails the scan: it changed since
// it was split, other than by lines appended to it.
func (r *fileReader) All(ctx context.Context) iter.Seq2[Token, error] {
	return sluice.SingleUse(func(yield func(Token, error) bool) {
		if err := sluice.ContextError(ctx); err != nil {
			yield(Token{}, err)
			return
		}
		f, size, err := r.fs.open()
		if err != nil {
			yield(Token{}, err)
			return
		}
		defer r.fs.close(f)
		s, err := r.begin(ctx, f, size)
		if err != nil {
			yield(Token{}, err)
			return
		}
		past := false // the scan stopped at a line of the next shard
		s.within = func(off int64) bool {
			r.mu.Lock()
			defer r.mu.Unlock()
			past = off >= r.end
			return !past
		}
		s.run(func(t Token, _ error) bool {
			// Checked, and the cursor recorded, under the lock that
			// Split narrows End under: a line is yielded only if it
			// starts before the End of this moment.
			r.mu.Lock()
			if t.Offset >= r.end {
				r.mu.Unlock()
				past = true
				return false
			}
			r.at, r.moved = pos{t.next, t.nextLine}, true
			r.mu.Unlock()
			return yield(t, nil)
		})
		if s.err == nil && past {
			s.err = s.canceled() // cancellation is never silent
		}
		if s.err != nil {
			yield(Token{}, s.err)
		}
	})
}

// begin checks that the file still holds the shard, and returns a scan
// of it positioned where the reader is to start.
func (r *fileReader) begin(ctx context.Context, f *os.File, size int64) (*scan, error) {
	r.mu.Lock()
	at, end, opened := r.at, r.end, r.sh.Cursor
	r.mu.Unlock()
	changed := func(why string, args ...any) error {
		return fmt.Errorf("scanner: %s: shard %v: %s: the file changed since it was split", r.fs.path, r.Shard(), fmt.Sprintf(why, args...))
	}
	switch {
	case end != math.MaxInt64 && end > size:
		return nil, changed("the file has %d bytes, less than the shard's End", size)
	case r.start.off > size:
		return nil, changed("the file has %d bytes, less than its Start", size)
	case at.off > size:
		return nil, cursor.Bad(ErrBadCursor, opened, fmt.Sprintf("offset %d is past the end of %s (%d bytes)", at.off, r.fs.path, size))
	}
	// A shard's Start, and a cursor but the one after a last line
	// without "\n", are line starts: a file where they are not is not
	// the one split, or the cursor is not of a line of it.
	startsLine := func(off int64) (bool, error) {
		var b [1]byte
		if off == 0 {
			return true, nil
		}
		if _, err := f.ReadAt(b[:], off-1); err != nil {
			return false, fmt.Errorf("scanner: %w", err)
		}
		return b[0] == '\n', nil
	}
	if ok, err := startsLine(r.start.off); err != nil || !ok {
		if err == nil {
			err = changed("no line starts at its Start")
		}
		return nil, err
	}
	if at != r.start && at.off < size {
		if ok, err := startsLine(at.off); err != nil || !ok {
			if err == nil {
				err = cursor.Bad(ErrBadCursor, opened, fmt.Sprintf("offset %d is not at the start of a line of %s", at.off, r.fs.path))
			}
			return nil, err
		}
	}
	if _, err := f.Seek(at.off, io.SeekStart); err != nil {
		return nil, fmt.Errorf("scanner: seeking to offset %d: %w", at.off, err)
	}
	var in io.Reader = f
	if r.wrap != nil {
		in = r.wrap(ctx, f)
	}
	s := newScan(ctx, in, &r.fs.opts)
	s.off, s.line = at.off, at.line
	s.fresh = true // the tokens are handed out: see All
	return s, nil
}

// Split gives away the lines of the shard that All has not yet yielded,
// or about the fraction 1-keep of them (0 <= keep < 1): it returns them as
// a new shard [p, End), p a line start, and narrows this reader to end at
// p. For keep 0, p is the start of the first line not yet yielded; for a
// larger keep, the first line start at or after keep of the bytes not yet
// yielded (or the last before, if none is), found by reading the file from
// the reader's position to p, counting its lines, so that the new shard's
// tokens carry their true Line. It returns [shard.ErrNoSplit] when no line
// is left unread, and gives the one line left away even with keep > 0.
//
// It is safe to call while All runs: if All passes p while Split reads,
// Split tries again from where All is.
func (r *fileReader) Split(ctx context.Context, keep float64) (shard.Shard, error) {
	if !(keep >= 0 && keep < 1) { // NaN too
		return shard.Shard{}, fmt.Errorf("scanner: Split(%v): keep must be in [0, 1)", keep)
	}
	if err := sluice.ContextError(ctx); err != nil {
		return shard.Shard{}, err
	}
	f, size, err := r.fs.open()
	if err != nil {
		return shard.Shard{}, err
	}
	defer r.fs.close(f)
	for {
		r.mu.Lock()
		at, end := r.at, r.end
		limit := min(end, size) // lines start before it
		if at.off >= limit {
			r.mu.Unlock()
			return shard.Shard{}, shard.ErrNoSplit
		}
		if keep == 0 {
			return r.narrow(at), nil // unlocks
		}
		r.mu.Unlock()
		p, err := splitPoint(ctx, f, at, limit, keep)
		if r.splitting != nil {
			r.splitting()
		}
		if err != nil {
			return shard.Shard{}, err
		}
		r.mu.Lock()
		if r.at.off <= p.off && p.off < r.end {
			return r.narrow(p), nil
		}
		// All went past p while Split read, or another Split cut
		// before it: again, from where the reader now stands.
		r.mu.Unlock()
	}
}

// narrow cuts the shard at p, a line start after every line yielded and
// before End: it returns [p, End) and makes p the End. r.mu is held, and
// narrow unlocks it.
func (r *fileReader) narrow(p pos) shard.Shard {
	defer r.mu.Unlock()
	res := shard.Shard{Source: r.sh.Source, Start: p.String(), End: r.sh.End}
	r.sh.End, r.end = res.Start, p.off
	return res
}

// splitPoint returns the first line start at or after at + keep of the
// bytes from at to limit, if one lies before limit, else the last line
// start after at, else at; with its line number, counted from at.
func splitPoint(ctx context.Context, f *os.File, at pos, limit int64, keep float64) (pos, error) {
	target := at.off + int64(keep*float64(limit-at.off))
	best := at // the last line start after at found so far
	buf := make([]byte, min(chunk, limit-at.off))
	for off, line := at.off, at.line; off < limit; {
		if err := sluice.ContextError(ctx); err != nil {
			return pos{}, err
		}
		n, err := f.ReadAt(buf[:min(int64(len(buf)), limit-off)], off)
		b := buf[:n]
		for {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				break
			}
			off, line, b = off+int64(i)+1, line+1, b[i+1:]
			if off >= limit {
				return best, nil
			}
			best = pos{off, line}
			if off >= target {
				return best, nil
			}
		}
		off += int64(len(b))
		if err != nil && off < limit {
			if errors.Is(err, io.EOF) {
				return best, nil // shorter than when measured
			}
			return pos{}, fmt.Errorf("scanner: %w", err)
		}
	}
	return best, nil
}

// Shard returns the shard as it stands: its End narrowed by Split, its
// Cursor that of the last line All yielded, or the one it was opened
// with.
func (r *fileReader) Shard() shard.Shard {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sh
	if r.moved {
		s.Cursor = encodeCursor(r.at.off, r.at.line)
	}
	return s
}
