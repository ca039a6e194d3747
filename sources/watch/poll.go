package watch

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/sluice-go/sluice"
)

// A poller is a watch in the polling mode (Options.Poll): every interval
// it walks the tree and reports the differences from the last walk.
type poller struct {
	root     string
	rootInfo os.FileInfo
	queue
	interval time.Duration
	state    snapshot
	bad      map[string]error // directories that could not be listed
	closed   bool
}

// openPoll takes the first snapshot of root (reported as Create with
// Options.Existing) before it returns: from then on, every change is
// reported at the next walk.
func openPoll(root string, fi os.FileInfo, opts *Options) *poller {
	openWatchers.Add(1)
	w := &poller{root: root, rootInfo: fi, queue: newQueue(opts), interval: opts.Poll, bad: map[string]error{}}
	state, bad := scan(root, opts, nil, nil)
	w.state = state
	if opts.existing() {
		for _, e := range diff(nil, state) {
			w.emit(e)
		}
	}
	w.reportBad(bad)
	return w
}

func (w *poller) close() {
	if w.closed {
		return
	}
	w.closed = true
	if w.deb != nil {
		w.deb.stop()
	}
	openWatchers.Add(-1)
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
		w.emit(Event{Path: w.root, Op: Remove})
		if err == nil {
			err = fs.ErrNotExist // another file or directory in its place
		}
		return fmt.Errorf("%w: %s: %w", ErrRootGone, w.root, err)
	}
	state, bad := scan(w.root, w.opts, w.state, nil)
	for _, e := range diff(w.state, state) {
		w.emit(e)
	}
	w.state = state
	w.reportBad(bad)
	return nil
}

// run reports the events until ctx is done or the root is gone.
func (w *poller) run(ctx context.Context, yield func(Event, error) bool) {
	defer w.close()
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		if !drain(ctx, &w.out, yield) {
			return
		}
		select {
		case <-ctx.Done():
			yield(Event{}, sluice.ContextError(ctx))
			return
		case <-tick.C:
			if err := w.poll(); err != nil {
				w.fail(ctx, yield, err)
				return
			}
		case <-w.deb.due():
			w.out = w.deb.expire(w.out)
		}
	}
}
