package watch

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cancel"
)

// An Op is what happened to a path: one or more of Create, Write, Remove,
// Rename and Chmod, or Rescan alone.
type Op uint32

const (
	// Create: the path appeared, by creation or by a rename into the
	// tree. A consumer should read it afresh.
	Create Op = 1 << iota
	// Write: the file's contents changed.
	Write
	// Remove: the path was removed. For a directory, everything below
	// it is gone too; its entries may or may not be reported one by one.
	Remove
	// Rename: the path was renamed away. If the new name is in the tree,
	// a Create for it follows. For a directory, everything below the old
	// name is gone.
	Rename
	// Chmod: the attributes changed.
	Chmod
	// Rescan: the watcher lost track of Event.Path (the whole tree when it
	// is the root): the kernel's event queue overflowed, or a directory
	// could not be watched. Events for paths under it may have been lost.
	// A consumer that keeps state must re-list that subtree (for example
	// with walkdir.Dir) and reconcile. Rescan is never combined with the
	// other bits.
	Rescan
)

var opNames = []string{"CREATE", "WRITE", "REMOVE", "RENAME", "CHMOD", "RESCAN"}

// Has reports whether o has every bit of h.
func (o Op) Has(h Op) bool { return o&h == h && h != 0 }

// String returns the names of the bits, joined with "|".
func (o Op) String() string {
	var b strings.Builder
	for i, n := range opNames {
		if o&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(n)
		}
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

// An Event is one change under the watched root.
type Event struct {
	// Path is root joined with the names below it, as filepath.Join
	// gives it.
	Path string

	// Op is what happened. With Options.Debounce it may carry several
	// bits.
	Op Op

	// Reason, for a Rescan only, says why the watcher lost track: an
	// error wrapping fsnotify.ErrEventOverflow, ErrWatchLimit, or the
	// error of adding a directory's watch. It is nil for other events.
	Reason error
}

// String returns the event as "OP path".
func (e Event) String() string { return e.Op.String() + " " + e.Path }

// A queue holds the events ready to report, in order, as both modes make
// them: through the filters and, with Options.Debounce, the debouncer. It
// also keeps what the filters decided for the whole watch: the
// directories Filter left out, and the answer that ends the watch.
type queue struct {
	root    string
	opts    *Options
	out     []Event
	deb     *debouncer
	skipped map[string]bool // directories Filter left out with fs.SkipDir
	end     error           // fs.SkipAll or the error of Filter: the watch ends
}

func newQueue(root string, opts *Options) queue {
	q := queue{root: root, opts: opts, skipped: map[string]bool{}}
	if d := opts.debounce(); d > 0 {
		q.deb = newDebouncer(d)
	}
	return q
}

// emit passes e, an event of a directory if dir, through the filters
// and reports it, to the debouncer first if there is one. It returns
// false when the directory must not be watched or listed: Filter left it
// out (see admit).
func (q *queue) emit(e Event, dir bool) bool {
	keep, watch := q.admit(e, dir)
	if keep {
		q.hold(e)
	}
	return watch
}

// admit asks the filters about e, an event of a directory if dir, without
// reporting it: keep says whether to report it, and watch, for a
// directory, whether to watch it. A directory Filter answers fs.SkipDir
// for is remembered as skipped: nothing under it is reported until it is
// removed or renamed (see unskip). An answer that ends the watch is kept
// in q.end, and every later event dropped.
func (q *queue) admit(e Event, dir bool) (keep, watch bool) {
	if q.end != nil || q.skippedAt(e.Path) {
		return false, false
	}
	keep = q.opts.matches(e)
	if !keep && !dir {
		return false, true // a file Include or Exclude drop: nothing to ask
	}
	switch err := q.opts.filter(e); err {
	case nil:
		return keep, true
	case sluice.Skip:
		return false, true
	case fs.SkipDir:
		if dir {
			q.skipped[e.Path] = true
			return false, false
		}
		return false, true
	default: // fs.SkipAll, or the Filter's own error
		q.end = err
		return false, false
	}
}

// skippedAt reports whether p is a directory Filter left out, or lies
// below one.
func (q *queue) skippedAt(p string) bool {
	if len(q.skipped) == 0 {
		return false
	}
	for d := p; len(d) > len(q.root); d = filepath.Dir(d) {
		if q.skipped[d] {
			return true
		}
	}
	return false
}

// unskip forgets that Filter left out p or directories below it: p was
// removed or renamed, and a directory created there later is asked about
// afresh.
func (q *queue) unskip(p string) {
	prefix := p + string(filepath.Separator)
	for d := range q.skipped {
		if d == p || strings.HasPrefix(d, prefix) {
			delete(q.skipped, d)
		}
	}
}

// hold reports e, after the debouncer if there is one.
func (q *queue) hold(e Event) {
	if q.deb != nil {
		q.deb.add(e)
		return
	}
	q.out = append(q.out, e)
}

// rescan reports a Rescan of dir after every event held by the debouncer.
// A Rescan is never filtered.
func (q *queue) rescan(dir string, reason error) {
	if q.deb != nil {
		q.out = q.deb.flush(q.out)
	}
	q.out = append(q.out, Event{Path: dir, Op: Rescan, Reason: reason})
}

// A source is what a queue is fed by in either mode: next blocks until
// something happens, handles it (events into the queue) and returns, or
// returns when done is closed; it returns an error when the watch must
// end.
type source interface {
	next(done <-chan struct{}, due <-chan time.Time) error
	close()
}

// serve reports the events of src until ctx is done, the consumer
// stops, src fails or Filter ends the watch, and closes src on return.
func (q *queue) serve(ctx context.Context, src source, yield func(Event, error) bool) {
	defer src.close()
	for {
		if !q.drain(ctx, yield) {
			return
		}
		if q.end != nil {
			q.finish(ctx, yield, q.end)
			return
		}
		if err := src.next(ctx.Done(), q.deb.due()); err != nil {
			q.finish(ctx, yield, err)
			return
		}
		if err := sluice.ContextError(ctx); err != nil {
			yield(Event{}, err)
			return
		}
	}
}

// expire moves to out the events whose debouncing window has closed.
func (q *queue) expire() { q.out = q.deb.expire(q.out) }

// drain yields the events in q.out, oldest first, and empties it. It
// returns false when the stream must end: the loop stopped, or ctx is
// done (its error then yielded).
func (q *queue) drain(ctx context.Context, yield func(Event, error) bool) bool {
	for len(q.out) > 0 {
		if err := sluice.ContextError(ctx); err != nil {
			yield(Event{}, err)
			return false
		}
		e := q.out[0]
		q.out[0] = Event{} // let the path go
		q.out = q.out[1:]
		if !yield(e, nil) {
			return false
		}
	}
	return true
}

// finish reports every event held, then err, which ends the watch (none
// for fs.SkipAll, which ends it without error); it stops early when ctx
// is done or the consumer has gone.
func (q *queue) finish(ctx context.Context, yield func(Event, error) bool, err error) {
	if q.deb != nil {
		q.out = q.deb.flush(q.out)
	}
	if !q.drain(ctx, yield) || err == fs.SkipAll {
		return
	}
	yield(Event{}, cancel.Prefer(ctx, err))
}
