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
	fw, err := fsnotify.NewWatcher()
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
	if op.Has(Create) {
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

// next handles what fsnotify reports next (see source).
func (w *watcher) next(done <-chan struct{}, due <-chan time.Time) error {
	select {
	case <-done:
	case ev, ok := <-w.fs.Events:
		if !ok {
			return errors.New("watch: fsnotify closed its event channel")
		}
		return w.handle(ev)
	case err, ok := <-w.fs.Errors:
		switch {
		case !ok:
			return errors.New("watch: fsnotify closed its error channel")
		case errors.Is(err, fsnotify.ErrEventOverflow):
			w.overflow()
		default:
			return fmt.Errorf("watch: %w", err)
		}
	case <-due:
		w.expire()
	}
	return nil
}
