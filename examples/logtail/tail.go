package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"iter"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sluice-go/sluice/checkpoint"
	"github.com/sluice-go/sluice/sources/scanner"
	"github.com/sluice-go/sluice/sources/walkdir"
	"github.com/sluice-go/sluice/sources/watch"
)

// A place is where the reading of a file stands: which file (its device
// and inode), and the end of its last complete line read, as an offset and
// as the scanner's cursor ("" for the start).
type place struct {
	ID     fileID `json:"id"`
	Off    int64  `json:"off"`
	Cursor string `json:"cursor"`

	// tail is the last bytes before Off (up to tailSize), which a file
	// claiming this place by its inode must have there too: an inode
	// freed by a file replaced or removed is soon given to a new file.
	tail string
}

// tailSize is how many bytes before its offset a place remembers.
const tailSize = 16

// An item is what the lines stream carries: a line of a file, read up to
// place, or, without a line, a change of the file's place alone (read
// again from its start, renamed from another name, or gone).
type item struct {
	file  string // relative to the root, slash-separated
	text  string
	line  bool  // text is a line to print
	place place // where file stands after the item
	gone  bool  // the file is gone: forget its place
}

// A tailer reads the files of a tree as its watch reports them changing.
// It is used by the producer goroutine of the lines stream alone.
type tailer struct {
	root    string
	include string                // base name pattern; "": all
	store   *checkpoint.FileStore // the saved places, or nil
	log     *slog.Logger
	files   map[string]*place // the places of the files read, by path
	moved   []moved           // places of files renamed away, newest last
	events  int               // the events handled so far
}

// A moved is the place of a file renamed away, for the Create of its new
// name, which follows the Rename in the events.
type moved struct {
	place
	event int // the number of the Rename event
}

// movedEvents is how many events after its Rename a moved place may be
// claimed. The Create of the new name comes right after the Rename (the
// kernel reports the two together), and a file renamed out of the tree
// and removed there frees its inode for a new file, which must not
// inherit its place.
const movedEvents = 64

// lines returns the lines of the files that events report changing, and
// the changes of their places, in the order read.
func (t *tailer) lines(ctx context.Context, events iter.Seq2[watch.Event, error]) iter.Seq2[item, error] {
	return func(yield func(item, error) bool) {
		for e, err := range events {
			if err != nil {
				yield(item{}, err)
				return
			}
			t.events++
			var ok bool
			switch {
			case e.Op == watch.Rescan:
				t.log.Warn("rescanning after the watch lost track", "path", e.Path, "reason", e.Reason)
				ok = t.rescan(ctx, e.Path, yield)
			case e.Op.Has(watch.Create) || e.Op.Has(watch.Write):
				ok = t.tail(ctx, t.rel(e.Path), yield)
			case e.Op.Has(watch.Remove) || e.Op.Has(watch.Rename):
				ok = t.removed(ctx, e.Path, e.Op.Has(watch.Rename), yield)
			default:
				ok = true // Chmod
			}
			if !ok {
				return
			}
		}
	}
}

// rel returns path relative to the root, slash-separated.
func (t *tailer) rel(path string) string {
	rel, err := filepath.Rel(t.root, path)
	if err != nil {
		return filepath.ToSlash(path)
	}
	return filepath.ToSlash(rel)
}

// tail reads the complete lines of the file rel after its place, and
// yields them. It returns false when yield does or the scan was canceled.
func (t *tailer) tail(ctx context.Context, rel string, yield func(item, error) bool) bool {
	f, err := os.Open(filepath.Join(t.root, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return t.gone(rel, yield)
	}
	if err != nil {
		t.log.Warn("cannot read", "file", rel, "err", err)
		return true
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.log.Warn("cannot read", "file", rel, "err", err)
		return true
	}
	if !fi.Mode().IsRegular() {
		return true
	}
	id := idOf(fi)
	p := t.files[rel]
	if p == nil || p.ID != id {
		// Seen for the first time, or replaced by another file.
		replaced := p != nil
		if replaced {
			// The file this name held may have been renamed, by an
			// event not yet handled (this one is older than the
			// rename): keep its place for its new name.
			t.moved = append(t.moved, moved{*p, t.events})
		}
		var claimed bool
		p, claimed = t.claim(ctx, rel, id, f)
		t.files[rel] = p
		if (replaced || claimed) && !yield(item{file: rel, place: *p}, nil) {
			return false
		}
	}
	if fi.Size() < p.Off {
		// Truncated: read it from the start.
		*p = place{ID: id}
		if !yield(item{file: rel, place: *p}, nil) {
			return false
		}
	}
	ok, bad := t.scan(ctx, f, rel, p, yield)
	if bad {
		// Truncated since the Stat: read it from the start.
		*p = place{ID: id}
		if !yield(item{file: rel, place: *p}, nil) {
			return false
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			t.log.Warn("cannot read", "file", rel, "err", err)
			return true
		}
		ok, _ = t.scan(ctx, f, rel, p, yield)
	}
	return ok
}

// scan yields the complete lines of f, the file rel, after the place p,
// moving p past each. It returns false when yield does or the scan was
// canceled, and badCursor when the file is too short for p.
func (t *tailer) scan(ctx context.Context, f *os.File, rel string, p *place, yield func(item, error) bool) (ok, badCursor bool) {
	opts := &scanner.Options{
		Split: completeLines,
		After: p.Cursor,
		OnTooLong: func(e *scanner.TooLongError) error {
			t.log.Warn("skipping a line too long", "file", rel, "line", e.Line, "max", e.Max)
			return nil
		},
	}
	for tok, err := range scanner.All(ctx, f, opts) {
		switch {
		case errors.Is(err, scanner.ErrBadCursor):
			return true, true
		case err != nil && ctx.Err() != nil:
			yield(item{}, err)
			return false, false
		case err != nil:
			t.log.Warn("cannot read", "file", rel, "err", err)
			return true, false
		}
		p.Off = tok.Offset + int64(len(tok.Bytes)) + 1
		p.Cursor = tok.Cursor()
		p.tail = tailOf(p.tail, tok.Bytes)
		text := string(bytes.TrimSuffix(tok.Bytes, []byte{'\r'}))
		if !yield(item{file: rel, text: text, line: true, place: *p}, nil) {
			return false, false
		}
	}
	return true, false
}

// tailOf returns the last tailSize bytes of prev, line and "\n": the
// tail of a place moved past line.
func tailOf(prev string, line []byte) string {
	const keep = tailSize - 1 // bytes before the "\n"
	var b [tailSize]byte
	n := 0
	if len(line) >= keep {
		n = copy(b[:], line[len(line)-keep:])
	} else {
		prev = prev[max(0, len(prev)-(keep-len(line))):]
		n = copy(b[:], prev)
		n += copy(b[n:], line)
	}
	b[n] = '\n'
	return string(b[:n+1])
}

// in reports whether f holds p's tail just before p's offset.
func (p place) in(f *os.File) bool {
	if p.tail == "" {
		return true
	}
	b := make([]byte, len(p.tail))
	_, err := f.ReadAt(b, p.Off-int64(len(b)))
	return err == nil && string(b) == p.tail
}

// claim returns the place of the file rel, f, not known under that name,
// whose identity is id: the place of a file just renamed away with that
// identity and the same bytes before its place (claimed), or the place
// saved in the store, or the start.
func (t *tailer) claim(ctx context.Context, rel string, id fileID, f *os.File) (p *place, claimed bool) {
	for i := len(t.moved) - 1; i >= 0; i-- {
		if m := t.moved[i]; m.ID == id && t.events-m.event <= movedEvents && m.in(f) {
			t.moved = slices.Delete(t.moved, i, i+1)
			return &m.place, true
		}
	}
	if t.store != nil {
		saved, err := t.store.Load(ctx, stateName(rel))
		if err != nil {
			t.log.Warn("cannot load the place, reading from the start", "file", rel, "err", err)
			return &place{ID: id}, false
		}
		if p, err := parsePlace(saved); err != nil {
			t.log.Warn("cannot load the place, reading from the start", "file", rel, "err", err)
		} else if p.ID == id {
			return &p, false // tail checks the size against it
		}
	}
	return &place{ID: id}, false
}

// gone forgets the file rel, which no longer exists.
func (t *tailer) gone(rel string, yield func(item, error) bool) bool {
	if t.files[rel] == nil {
		return true
	}
	delete(t.files, rel)
	return yield(item{file: rel, gone: true}, nil)
}

// removed handles the removal or renaming of path, a file or a directory:
// the files known at or under it that no longer exist are gone, and those
// that do (a path renamed away and back, or replaced already) are read.
// The places of files renamed are kept for their new names.
func (t *tailer) removed(ctx context.Context, path string, renamed bool, yield func(item, error) bool) bool {
	t.moved = slices.DeleteFunc(t.moved, func(m moved) bool { return t.events-m.event > movedEvents })
	for _, f := range t.known(t.rel(path)) {
		p := t.files[f]
		if renamed {
			t.moved = append(t.moved, moved{*p, t.events})
		}
		if !t.tail(ctx, f, yield) {
			return false
		}
		if q := t.files[f]; renamed && q != nil && q.ID == p.ID {
			// Renamed back, or linked: still here.
			t.moved = slices.DeleteFunc(t.moved, func(m moved) bool { return m.event == t.events && m.ID == p.ID })
		}
	}
	return true
}

// known returns the paths of the files known at or under rel.
func (t *tailer) known(rel string) []string {
	var files []string
	for f := range t.files {
		if rel == "." || f == rel || strings.HasPrefix(f, rel+"/") {
			files = append(files, f)
		}
	}
	return files
}

// rescan reads every file under path, known or not, and forgets the known
// ones that are gone: what a watch that lost track may have missed.
func (t *tailer) rescan(ctx context.Context, path string, yield func(item, error) bool) bool {
	seen := map[string]bool{}
	// The directories the watch skips by default, skipped here too.
	skip := func(e walkdir.Entry) error {
		if e.IsDir() && e.Depth > 0 && (e.Name() == ".git" || e.Name() == "node_modules") {
			return fs.SkipDir
		}
		return nil
	}
	for e, err := range walkdir.Dir(ctx, path, &walkdir.Options{Filter: skip}) {
		if err != nil {
			if ctx.Err() != nil {
				yield(item{}, err)
				return false
			}
			t.log.Warn("cannot list", "path", path, "err", err)
			break
		}
		if !e.Type().IsRegular() {
			continue
		}
		if ok, _ := filepath.Match(t.include, e.Name()); t.include != "" && !ok {
			continue
		}
		rel := t.rel(e.Path)
		seen[rel] = true
		if !t.tail(ctx, rel, yield) {
			return false
		}
	}
	for _, f := range t.known(t.rel(path)) {
		if !seen[f] && !t.tail(ctx, f, yield) {
			return false
		}
	}
	return true
}

// completeLines is the split function of the scans: the lines of
// bufio.ScanLines, "\r" included, but only those ended by "\n". At the end
// of the input it returns no token for a last line without its "\n", which
// the scanner then drops, as bufio.Scanner does, so that its cursor stays
// at the end of the last complete line: the default split would return
// the partial line, and a cursor after it.
func completeLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	return 0, nil, nil
}
