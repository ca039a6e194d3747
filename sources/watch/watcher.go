package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// openWatchers counts the watches open in this process (fsnotify watchers
// and pollers), for the conformance suite's Open (see export_test.go).
var openWatchers atomic.Int64

// A watcher is one recursive watch: an fsnotify watcher with a watch on
// every directory under root, and the events ready to report.
type watcher struct {
	queue   // the root, and the events ready to report
	fs      *fsnotify.Watcher
	setup   bool            // in open: failures to watch are errors, not Rescans
	watched map[string]bool // directories with a watch

	// listed holds, by directory and name, what a listing reported as
	// Create. A directory's watch is added before it is listed, so a file
	// created in between is both listed and reported by inotify; the
	// second Create is dropped when it is the same file (os.SameFile),
	// and kept when the path now holds another (a rename over it).
	listed map[string]map[string]os.FileInfo

	// known is the state of the tree as the events reported it, kept
	// with Options.AutoRescan only (else nil), to report what an
	// overflow lost.
	known snapshot

	// untyped holds, in order, the paths whose Create was reported before
	// the watcher learned whether they are directories (see handle): any
	// of them that is one is watched and listed by resolve. dirSize
	// estimates the entries of each watched directory (its listing's or
	// last read's count, plus the Creates since), to tell resolve whether
	// reading it is cheaper than a Lstat of each new name.
	untyped   []string
	dirSize   map[string]int
	direntBuf []byte // readDirs's buffer

	closed bool
}

// A runner is an open watch, of either mode: run reports its events
// until ctx is done or it fails, and releases it on return.
type runner interface {
	run(ctx context.Context, yield func(Event, error) bool)
}

// open sets the watch up before it returns (every directory under root
// watched, or the first snapshot taken): from then on, every change is
// reported. root and opts have passed check.
func open(root string, opts *Options) (runner, error) {
	root = filepath.Clean(root)
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("watch: %s is not a directory", root)
	}
	if opts.poll() > 0 {
		return openPoll(root, fi, opts), nil
	}
	return openNotify(root, opts)
}

// openNotify watches every directory under root.
func openNotify(root string, opts *Options) (*watcher, error) {
	// Buffered, so that fsnotify's reader hands over what one read of the
	// kernel's queue returned without waiting for each event to be taken,
	// and so that next can tell whether more events are waiting.
	fw, err := fsnotify.NewBufferedWatcher(eventBuffer)
	if err != nil {
		if errors.Is(err, syscall.EMFILE) {
			return nil, fmt.Errorf("watch: inotify instance limit reached; raise it with sysctl fs.inotify.max_user_instances: %w", err)
		}
		return nil, fmt.Errorf("watch: %w", err)
	}
	openWatchers.Add(1)
	w := &watcher{
		queue:   newQueue(root, opts),
		fs:      fw,
		setup:   true,
		watched: map[string]bool{},
		listed:  map[string]map[string]os.FileInfo{},
		dirSize: map[string]int{},
	}
	if err := w.addTree(root, opts.existing()); err != nil {
		w.close()
		return nil, err
	}
	if opts.autoRescan() {
		w.known, _ = scan(&w.queue, nil, nil) // unlistable directories: already reported
	}
	w.setup = false
	return w, nil
}

// close releases the fsnotify watcher (and its goroutine) and the timer.
func (w *watcher) close() {
	if w.closed {
		return
	}
	w.closed = true
	w.fs.Close() // waits for fsnotify's reading goroutine to exit
	if w.deb != nil {
		w.deb.stop()
	}
	openWatchers.Add(-1)
}

// addTree watches dir and every directory below it, each before it is
// listed, so that nothing created meanwhile is missed. With list, it
// reports what it finds as Create. It returns an error only during setup,
// for the root or the watch limit; otherwise a directory it cannot watch
// is reported as a Rescan.
func (w *watcher) addTree(dir string, list bool) error {
	if err := w.fs.Add(dir); err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist) && dir != w.root:
			return nil // already gone: its Remove is on the way
		case w.setup && (dir == w.root || errors.Is(err, syscall.ENOSPC)):
			return addError(dir, err)
		}
		w.rescan(dir, addError(dir, err))
		return nil
	}
	w.watched[dir] = true
	ents, err := os.ReadDir(dir)
	w.dirSize[dir] = len(ents)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		w.rescan(dir, fmt.Errorf("watch: listing %s: %w", dir, err))
	}
	for _, de := range ents {
		p := filepath.Join(dir, de.Name())
		if de.IsDir() && w.opts.skipDir(de.Name()) {
			continue
		}
		// Filter is asked about every directory, reported or not: its
		// answer decides whether the directory is watched.
		e, watch := Event{Path: p, Op: Create}, true
		switch {
		case list:
			watch = w.emit(e, de.IsDir())
		case de.IsDir():
			_, watch = w.admit(e, true)
		}
		if !watch {
			continue // left out by Filter, or the watch is ending
		}
		if list {
			if info, err := de.Info(); err == nil {
				w.remember(dir, de.Name(), info)
				if w.known != nil {
					w.known[p] = info
				}
			}
		}
		if de.IsDir() {
			if err := w.addTree(p, list); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *watcher) remember(dir, name string, info os.FileInfo) {
	m := w.listed[dir]
	if m == nil {
		m = map[string]os.FileInfo{}
		w.listed[dir] = m
	}
	m[name] = info
}

// handle turns one fsnotify event into what to report, watching a new
// directory at once. It returns an error only when the watch must end.
func (w *watcher) handle(ev fsnotify.Event) error {
	op := convert(ev.Op)
	if op == 0 {
		return nil
	}
	p := filepath.Clean(ev.Name)
	dir, name := filepath.Dir(p), filepath.Base(p)
	skipped := w.skippedAt(p)
	if op&(Remove|Rename) != 0 {
		w.unskip(p) // a directory created in its place is asked afresh
	}
	if skipped {
		return nil // left out by Filter, or queued before it was
	}
	isDir := p != w.root && w.watched[p] // the root is never left out
	w.track(p, op)
	if op&(Remove|Rename) != 0 {
		if p == w.root {
			w.emit(Event{Path: p, Op: op &^ Create}, false)
			return fmt.Errorf("%w: %s: %w", ErrRootGone, p, fs.ErrNotExist)
		}
		w.forget(p)
		isDir = false // gone: nothing left to leave out
	}
	if op.Has(Create) && w.canDefer(p, dir, name) {
		// Reported now, typed later: see resolve.
		w.untyped = append(w.untyped, p)
		w.dirSize[dir]++
	} else if op.Has(Create) {
		fi, err := os.Lstat(p)
		dup := false
		if old, ok := w.listed[dir][name]; ok {
			delete(w.listed[dir], name)
			// Gone already: a Remove follows, which keeps the consumer's
			// view right whichever file this Create was for.
			dup = err != nil || os.SameFile(old, fi)
		}
		if err == nil && fi.IsDir() {
			if w.opts.skipDir(name) {
				return nil
			}
			if !w.watched[p] {
				e, watch := Event{Path: p, Op: op}, false
				if dup {
					_, watch = w.admit(e, true) // reported by the listing
				} else {
					watch = w.emit(e, true)
				}
				if !watch {
					w.leaveOut(p)
					return nil
				}
				return w.addTree(p, true)
			}
		}
		if dup {
			op &^= Create
		}
	}
	if op != 0 && !w.emit(Event{Path: p, Op: op}, isDir) && isDir {
		w.leaveOut(p)
	}
	return nil
}

// canDefer reports whether the Create of p, not yet known to be a
// directory, can be reported before it is known (issue 13: a Lstat per
// Create was most of the watcher's cost during a burst). It can when the
// answer changes nothing about the event: no Filter to ask about a
// directory (its fs.SkipDir would leave it out), a name not in SkipDirs,
// no known state to update (AutoRescan), no listing's Create to compare
// it with (os.SameFile needs the Lstat), and no watch on p already.
func (w *watcher) canDefer(p, dir, name string) bool {
	return w.known == nil && (w.opts == nil || w.opts.Filter == nil) &&
		p != w.root && !w.watched[p] && !w.opts.skipDir(name) &&
		w.listed[dir][name] == nil
}

// resolve learns which of the untyped paths are directories, and watches
// and lists each of them as handle does a directory's Create: no gap,
// since what was created in one before its watch was placed is listed. A
// parent holding several of them is read once, its entries' types taken
// from the listing (d_type on Linux), instead of a Lstat for each: one
// read of a directory per burst, not one system call per Create. A path
// gone, now a file, or whose parent is no longer watched (removed or
// renamed: its Remove is handled, and a directory created in its place
// is listed whole) is left alone; one watched already (by an overflow's
// walk) too.
func (w *watcher) resolve() error {
	paths := w.untyped
	w.untyped = nil
	var count map[string]int // by parent, when one may be worth reading
	if len(paths)*readRatio >= readFixed {
		count = map[string]int{}
		for _, p := range paths {
			count[filepath.Dir(p)]++
		}
	}
	var dirs map[string]map[string]bool // by parent: the names of its directories
	for _, p := range paths {
		dir, name := filepath.Dir(p), filepath.Base(p)
		if !w.watched[dir] || w.watched[p] {
			continue
		}
		isDir, known := false, false
		if n := count[dir]; n*readRatio >= w.dirSize[dir]+readFixed {
			names, ok := dirs[dir]
			if !ok {
				names = w.readDirs(dir)
				if dirs == nil {
					dirs = map[string]map[string]bool{}
				}
				dirs[dir] = names
			}
			if names != nil {
				isDir, known = names[name]
				known = !known || isDir // false: a DT_UNKNOWN to Lstat
			}
		}
		if !known {
			fi, err := os.Lstat(p)
			isDir = err == nil && fi.IsDir()
		}
		if isDir {
			if err := w.addTree(p, true); err != nil {
				return err
			}
		}
	}
	return nil
}

const (
	// eventBuffer is the size of fsnotify's Events channel.
	eventBuffer = 2048
	// maxUntyped bounds the Creates reported before they are typed while
	// events keep coming: a burst longer than this is typed in parts.
	maxUntyped = 4096
	// A parent is read, rather than its n new entries Lstat'ed, when
	// n*readRatio >= its entries + readFixed: in BENCHMARKS.md's
	// measurement, reading a directory costs about readFixed/readRatio
	// Lstats, plus 1/readRatio of one per entry.
	readRatio = 24
	readFixed = 50
)

// leaveOut drops the watches of p, a directory Filter left out, and what
// is known below it.
func (w *watcher) leaveOut(p string) {
	w.forget(p)
	if w.known != nil {
		w.known.removeTree(p)
	}
}

// track updates the known state (Options.AutoRescan) with an event of p.
func (w *watcher) track(p string, op Op) {
	if w.known == nil {
		return
	}
	if op&(Remove|Rename) != 0 {
		w.known.removeTree(p)
	}
	if op&(Create|Write|Chmod) == 0 {
		return
	}
	fi, err := os.Lstat(p)
	switch {
	case err == nil && fi.IsDir() && w.opts.skipDir(fi.Name()):
	case err == nil:
		w.known[p] = fi
	case op.Has(Create):
		w.known[p] = nil // reported, gone already: its Remove follows
	}
}

// forget drops the watches and listings of p and of everything below it:
// p was removed or renamed. A renamed directory's watches would otherwise
// go on reporting under the old names.
func (w *watcher) forget(p string) {
	delete(w.listed[filepath.Dir(p)], filepath.Base(p))
	if !w.watched[p] {
		return
	}
	prefix := p + string(filepath.Separator)
	for d := range w.watched {
		if d == p || strings.HasPrefix(d, prefix) {
			delete(w.watched, d)
			delete(w.listed, d)
			delete(w.dirSize, d)
			_ = w.fs.Remove(d) // already gone with a removed directory
		}
	}
}

// overflow handles a lost event queue: it watches every directory not
// yet watched (one created while events were lost), and then reports a
// Rescan of the root, so that a consumer re-listing on the Rescan starts
// after every watch is in place.
func (w *watcher) overflow() {
	if w.known != nil {
		w.autoRescan()
		return
	}
	_ = filepath.WalkDir(w.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil // the Rescan covers it
		}
		if p != w.root && (w.opts.skipDir(d.Name()) || w.skippedAt(p)) {
			return fs.SkipDir
		}
		if !w.watched[p] {
			if p != w.root {
				if _, watch := w.admit(Event{Path: p, Op: Create}, true); !watch {
					return fs.SkipDir // the Rescan covers what it lost
				}
			}
			if err := w.fs.Add(p); err != nil {
				return nil
			}
			w.watched[p] = true
		}
		return nil
	})
	w.untyped = nil // the walk watched every directory among them
	w.rescan(w.root, overflowError())
}

// autoRescan handles an overflow with Options.AutoRescan: it walks the
// tree, watching every directory not yet watched before listing it,
// reports the differences from the known state, and then the Rescan of
// the root, marked with ErrRescanned.
func (w *watcher) autoRescan() {
	snap, bad := scan(&w.queue, w.known, func(dir string) error {
		// Added again even if watched: the path may now hold another
		// directory, whose watch is then a new one.
		if err := w.fs.Add(dir); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // gone: the walk does not see it either
			}
			return addError(dir, err)
		}
		w.watched[dir] = true
		return nil
	})
	for _, e := range diff(w.known, snap) {
		if e.Op == Remove {
			w.forget(e.Path)
		}
		fi := snap[e.Path]
		if !w.emit(e, fi != nil && fi.IsDir()) {
			w.leaveOut(e.Path)
			snap.removeTree(e.Path)
			continue
		}
		if e.Op == Create && fi != nil {
			// A Create queued before the overflow is not repeated.
			w.remember(filepath.Dir(e.Path), filepath.Base(e.Path), fi)
		}
	}
	w.known = snap
	for dir, err := range bad {
		w.rescan(dir, err)
	}
	w.rescan(w.root, fmt.Errorf("%w; %w", ErrRescanned, overflowError()))
}

func convert(op fsnotify.Op) Op {
	var o Op
	for _, m := range []struct {
		f fsnotify.Op
		o Op
	}{{fsnotify.Create, Create}, {fsnotify.Write, Write}, {fsnotify.Remove, Remove}, {fsnotify.Rename, Rename}, {fsnotify.Chmod, Chmod}} {
		if op.Has(m.f) {
			o |= m.o
		}
	}
	return o
}

// run reports the events until ctx is done or the watch fails, and closes
// the watcher on return.
func (w *watcher) run(ctx context.Context, yield func(Event, error) bool) {
	w.serve(ctx, w, yield)
}

// next handles what fsnotify reports next (see source): the events
// waiting in its buffer, up to eventBuffer, so that they are reported
// together. Between events, when none is waiting (or too many Creates
// wait for their type), it types the Creates reported untyped (resolve).
func (w *watcher) next(done <-chan struct{}, due <-chan time.Time) error {
	if len(w.untyped) > 0 && (len(w.fs.Events) == 0 || len(w.untyped) >= maxUntyped) {
		return w.resolve()
	}
	select {
	case <-done:
	case ev, ok := <-w.fs.Events:
		if !ok {
			return errors.New("watch: fsnotify closed its event channel")
		}
		if err := w.handle(ev); err != nil {
			return err
		}
		return w.handleWaiting(eventBuffer - 1)
	case err, ok := <-w.fs.Errors:
		switch {
		case !ok:
			return errors.New("watch: fsnotify closed its error channel")
		case errors.Is(err, fsnotify.ErrEventOverflow):
			// The events read before the overflow come first: the
			// buffer may still hold some.
			if err := w.handleWaiting(cap(w.fs.Events)); err != nil {
				return err
			}
			w.overflow()
		default:
			return fmt.Errorf("watch: %w", err)
		}
	case <-due:
		w.expire()
	}
	return nil
}

// handleWaiting handles up to max events already in fsnotify's buffer,
// without waiting for more.
func (w *watcher) handleWaiting(max int) error {
	for range min(max, len(w.fs.Events)) {
		ev, ok := <-w.fs.Events
		if !ok {
			return errors.New("watch: fsnotify closed its event channel")
		}
		if err := w.handle(ev); err != nil {
			return err
		}
	}
	return nil
}
