package scanner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/shard"
)

var _ shard.Source[Token] = (*FileSharder)(nil)

// A FileSharder cuts the lines of a file into shards: byte ranges that
// begin at line starts, each line read by exactly one shard, the one its
// first byte lies in. It is a [shard.Source] of Tokens; see "Shards" in
// the package documentation.
type FileSharder struct {
	path   string
	source string // the Shard.Source of its shards
	opts   Options
}

// NewFileSharder returns a FileSharder of the lines of the file at path.
// It does no I/O: the file is read by Split and by the readers of its
// shards.
//
// Of opts (nil means the defaults), MaxTokenSize and OnTooLong apply to
// each shard's reader. A custom Split is refused: where a token of an
// arbitrary split function begins depends on the bytes before it, so no
// cut can be known to fall between two tokens without reading the file
// from its start. After is refused too: a shard carries its own cursor.
func NewFileSharder(path string, opts *Options) (*FileSharder, error) {
	o := *opts.orDefault()
	switch {
	case path == "":
		return nil, errors.New("scanner: NewFileSharder of an empty path")
	case o.Split != nil:
		return nil, errors.New("scanner: NewFileSharder splits lines only: Options.Split must be nil (a custom split function's tokens cannot be cut between without reading from the start)")
	case o.After != "":
		return nil, errors.New("scanner: NewFileSharder takes no Options.After: a shard carries its own cursor (shard.Shard.Cursor)")
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	path = filepath.Clean(path)
	return &FileSharder{path: path, source: "scanner:" + path, opts: o}, nil
}

// A pos is a position in the file: the offset of a line start and the
// line number there. Shard positions encode it as "<offset>:<line>", as a
// cursor does after its "v1:".
type pos struct{ off, line int64 }

func (p pos) String() string {
	return strconv.FormatInt(p.off, 10) + ":" + strconv.FormatInt(p.line, 10)
}

// parsePos decodes a shard position; "" is zero, for the caller to read
// as the start or the end of the file.
func parsePos(s string) (p pos, err error) {
	if s == "" {
		return pos{}, nil
	}
	off, line, ok := parsePosition(s)
	switch {
	case !ok:
		return pos{}, fmt.Errorf("position %q: want <offset>:<line>, in decimal", s)
	case line < 1:
		return pos{}, fmt.Errorf("position %q: line 0; want 1 or more", s)
	case line-1 > off:
		return pos{}, fmt.Errorf("position %q: line %d cannot be at offset %d", s, line, off)
	}
	return pos{off, line}, nil
}

// consistent reports whether b can lie after a in one file: as far, and no
// more lines on than bytes between them.
func consistent(a, b pos) bool {
	return a.off <= b.off && a.line <= b.line && b.line-a.line <= b.off-a.off
}

// Split cuts the file into at most n shards of about equal size: it cuts
// at size/n, moves each cut forward to the start of the next line (reading
// from the cut), and counts the lines before each cut, so that every
// shard's tokens carry the Offset and Line the whole file's scan gives
// them. Cuts that fall in one line become one, so a file of few or long
// lines gives fewer shards; an empty file gives one. The first shard
// starts at "", the last ends at "", which is the end of the file when it
// is read: lines appended after Split belong to the last shard.
//
// Split reads the whole file up to its last cut, counting newlines in
// parallel (at most GOMAXPROCS reads at once), and is bounded by ctx.
func (fs *FileSharder) Split(ctx context.Context, n int) ([]shard.Shard, error) {
	if n < 1 {
		return nil, fmt.Errorf("scanner: Split(%d): want 1 or more shards", n)
	}
	if err := sluice.ContextError(ctx); err != nil {
		return nil, err
	}
	f, size, err := fs.open()
	if err != nil {
		return nil, err
	}
	defer fs.close(f)
	if size == 0 {
		return []shard.Shard{{Source: fs.source}}, nil
	}
	cuts := []int64{0}
	buf := make([]byte, chunk)
	for i := nextCut(size, 0, n); i < n; {
		c, err := lineStart(ctx, f, cutAt(size, i, n), size, buf)
		if err != nil {
			return nil, err
		}
		if c >= size {
			break // no line starts after it
		}
		cuts = append(cuts, c)
		// The next cut past c: the cuts that fall within the line c
		// moved past (or before c) become one, in one step for any n.
		i = nextCut(size, c, n)
	}
	lines, err := countLines(ctx, f, cuts)
	if err != nil {
		return nil, err
	}
	shards := make([]shard.Shard, len(cuts))
	for i := range shards {
		shards[i].Source = fs.source
		if i > 0 {
			shards[i].Start = pos{cuts[i], lines[i]}.String()
			shards[i-1].End = shards[i].Start
		}
	}
	return shards, nil
}

// cutAt returns i*size/n, without overflow.
func cutAt(size int64, i, n int) int64 {
	hi, lo := bits.Mul64(uint64(size), uint64(i))
	q, _ := bits.Div64(hi, lo, uint64(n)) // i < n, so hi < n
	return int64(q)
}

// nextCut returns the least i with cutAt(size, i, n) > c (0 <= c < size):
// i*size >= (c+1)*n, so i = ceil((c+1)*n / size).
func nextCut(size, c int64, n int) int {
	hi, lo := bits.Mul64(uint64(c+1), uint64(n))
	q, r := bits.Div64(hi, lo, uint64(size)) // c+1 <= size, so hi < size
	if r > 0 {
		q++
	}
	return int(q) // at most n
}

// chunk is the size of the reads of Split and of a reader's Split.
const chunk = 256 << 10

// lineStart returns the first line start at or after c (0 < c <= size):
// c if a "\n" ends the byte before it, else just after the next "\n", or
// size if none follows. It reads into buf: 4 KiB first, as lines are
// mostly shorter, then all of buf each time.
func lineStart(ctx context.Context, f *os.File, c, size int64, buf []byte) (int64, error) {
	n := min(4<<10, len(buf))
	for at := c - 1; at < size; n = len(buf) {
		if err := sluice.ContextError(ctx); err != nil {
			return 0, err
		}
		k, err := f.ReadAt(buf[:n], at)
		if i := bytes.IndexByte(buf[:k], '\n'); i >= 0 {
			return at + int64(i) + 1, nil
		}
		at += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("scanner: %w", err)
		}
	}
	return size, nil
}

// countLines returns the line number at each cut (cuts[0] is 0, on line
// 1), counting the newlines between cuts in parallel.
func countLines(ctx context.Context, f *os.File, cuts []int64) ([]int64, error) {
	counts := make([]int64, len(cuts))
	errs := make([]error, len(cuts))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(cuts)-1) {
		wg.Go(func() {
			var buf []byte
			for i := range work {
				if buf == nil {
					buf = make([]byte, chunk)
				}
				counts[i], errs[i] = countNewlines(ctx, f, cuts[i-1], cuts[i], buf)
			}
		})
	}
	for i := 1; i < len(cuts); i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	lines := make([]int64, len(cuts))
	lines[0] = 1
	for i := 1; i < len(cuts); i++ {
		lines[i] = lines[i-1] + counts[i]
	}
	return lines, nil
}

// countNewlines counts the "\n" in [from, to) of f, reading into buf.
func countNewlines(ctx context.Context, f *os.File, from, to int64, buf []byte) (int64, error) {
	var count int64
	for at := from; at < to; {
		if err := sluice.ContextError(ctx); err != nil {
			return 0, err
		}
		n, err := f.ReadAt(buf[:min(int64(len(buf)), to-at)], at)
		count += int64(bytes.Count(buf[:n], newline))
		at += int64(n)
		if at < to && err != nil {
			if err == io.EOF {
				// Shorter than when Split measured it: the file is
				// being rewritten.
				err = io.ErrUnexpectedEOF
			}
			return 0, fmt.Errorf("scanner: counting lines at offset %d: %w", at, err)
		}
	}
	return count, nil
}

// open opens the file and returns it with its size. A file that is not a
// regular file (a FIFO, a device) cannot be cut; it is refused before it
// is opened, which for a FIFO would block.
func (fs *FileSharder) open() (*os.File, int64, error) {
	fi, err := os.Stat(fs.path)
	if err != nil {
		return nil, 0, fmt.Errorf("scanner: %w", err) // a *PathError names the path
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("scanner: %s is not a regular file (%v): only a regular file can be split into shards", fs.path, fi.Mode().Type())
	}
	f, err := os.Open(fs.path)
	if err != nil {
		return nil, 0, fmt.Errorf("scanner: %w", err)
	}
	if testHookOpen != nil {
		testHookOpen(1)
	}
	if fi, err = f.Stat(); err != nil {
		fs.close(f)
		return nil, 0, fmt.Errorf("scanner: %w", err)
	}
	return f, fi.Size(), nil
}

func (fs *FileSharder) close(f *os.File) {
	f.Close() // read-only: nothing to lose
	if testHookOpen != nil {
		testHookOpen(-1)
	}
}

// Open returns a reader of the lines of s, a shard of this file made by
// Split or by a reader's Split. A shard of another source, a position
// that is not one of this package or cannot be where it says (more lines
// than bytes before it, an End before its Start), or a Cursor outside
// the shard is an error wrapping [shard.ErrBadShard]. Open does no I/O.
//
// The reader's All opens the file when ranged and closes it on return. It
// yields, with the Offset, Line and Cursor of the whole file's scan, the
// lines that start in [Start, End), or after Cursor; the last of them
// reads on past End to its end. Its tokens are safe to keep: it reads into
// a new buffer each time, as [Batches] does, because [shard.Stream] sends
// them on a channel. A file that no longer holds the shard (shorter than
// its End, no line starting at its Start) fails the scan with an error
// saying the file changed; a Cursor that is not at a line start of the
// file, or past its end, with one wrapping [ErrBadCursor].
//
// The reader's Split(ctx, keep), safe while All runs, gives away the
// lines All has not yet yielded: for keep 0, from the first of them; else
// from the first line start at or after keep of their bytes (or the last
// line start before it, if none is), found by reading the file from the
// reader's position and counting its lines. The one line left is given
// away whole, whatever keep; with none left, Split returns
// [shard.ErrNoSplit]. All stops before the split point, exactly, even for
// lines already read into its buffer.
func (fs *FileSharder) Open(s shard.Shard) (shard.Reader[Token], error) {
	bad := func(why string, args ...any) error {
		return fmt.Errorf("%w %v: %s", shard.ErrBadShard, s, fmt.Sprintf(why, args...))
	}
	if s.Source != fs.source {
		return nil, bad("a shard of %q, not of %q", s.Source, fs.source)
	}
	start, err := parsePos(s.Start)
	if err != nil {
		return nil, bad("Start: %v", err)
	}
	if s.Start == "" {
		start = pos{0, 1}
	}
	end, err := parsePos(s.End)
	if err != nil {
		return nil, bad("End: %v", err)
	}
	if s.End == "" {
		end = pos{math.MaxInt64, math.MaxInt64}
	} else if !consistent(start, end) {
		return nil, bad("End %s cannot follow Start %s", end, start)
	}
	r := &fileReader{fs: fs, sh: s, start: start, at: start, end: end.off}
	if s.Cursor != "" {
		off, line, err := decodeCursor(s.Cursor)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", shard.ErrBadShard, err)
		}
		// A cursor is where the scan went on after a line that starts
		// in the shard: after Start, and at most at End, where the
		// shard's last line ends.
		cur := pos{off, line}
		if off <= start.off || !consistent(start, cur) || (s.End != "" && !consistent(cur, end)) {
			return nil, bad("Cursor %s is not after a line of the shard [%s, %s)", cur, start, s.End)
		}
		r.at = cur
	}
	return r, nil
}
