package watch

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// A poller is a watch in the polling mode (Options.Poll): every interval
// it walks the tree and reports the differences from the last walk.
type poller struct {
	queue    // the root, and the events ready to report
	rootInfo os.FileInfo
	tick     *time.Ticker
	state    snapshot
	bad      map[string]error // directories that could not be listed
	closed   bool
}

// openPoll takes the first snapshot of root (reported as Create with
// Options.Existing) before it returns: from then on, every change is
// reported at the next walk.
func openPoll(root string, fi os.FileInfo, opts *Options) *poller {
	openWatchers.Add(1)
	w := &poller{queue: newQueue(root, opts), rootInfo: fi, bad: map[string]error{}}
	state, bad := scan(&w.queue, nil, nil)
	// Filter is asked about every directory, reported or not: its
	// answer decides whether the directory is walked.
	w.report(nil, state, func(e Event, dir bool) bool {
		switch {
		case opts.existing():
			return w.emit(e, dir)
		case dir:
			_, watch := w.admit(e, dir)
			return watch
		}
		return true
	})
	w.state = state
	w.reportBad(bad)
	w.tick = time.NewTicker(opts.Poll)
	return w
}

func (w *poller) close() {
	if w.closed {
		return
	}
	w.closed = true
	w.tick.Stop()
	if w.deb != nil {
		w.deb.stop()
	}
	openWatchers.Add(-1)
}

// report passes the differences from old to state to emit, and drops
// from state what is below a directory Filter left out.
func (w *poller) report(old, state snapshot, emit func(Event, bool) bool) {
	for _, e := range diff(old, state) {
		fi := state[e.Path]
		if !emit(e, fi != nil && fi.IsDir()) {
			state.removeTree(e.Path)
		}
	}
}

// reportBad reports a Rescan of each directory that could not be listed,
// once: again only after it could be listed in between.
func (w *poller) reportBad(bad map[string]error) {
	for dir, err := range bad {
		if _, ok := w.bad[dir]; !ok {
			w.rescan(dir, err)
		}
	}
	w.bad = bad
}

// poll walks the tree and reports what changed. It returns an error only
// when the root is gone.
func (w *poller) poll() error {
	fi, err := os.Stat(w.root)
	if err != nil || !fi.IsDir() || !os.SameFile(fi, w.rootInfo) {
		w.emit(Event{Path: w.root, Op: Remove}, false)
		if err == nil {
			err = fs.ErrNotExist // another file or directory in its place
		}
		return fmt.Errorf("%w: %s: %w", ErrRootGone, w.root, err)
	}
	state, bad := scan(&w.queue, w.state, nil)
	w.report(w.state, state, w.emit)
	w.state = state
	w.reportBad(bad)
	return nil
}

// run reports the events until ctx is done or the root is gone.
func (w *poller) run(ctx context.Context, yield func(Event, error) bool) {
	w.serve(ctx, w, yield)
}

// next walks the tree when it is time (see source).
func (w *poller) next(done <-chan struct{}, due <-chan time.Time) error {
	select {
	case <-done:
	case <-w.tick.C:
		return w.poll()
	case <-due:
		w.expire()
	}
	return nil
}
