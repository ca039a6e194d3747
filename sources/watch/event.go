package watch

import (
	"context"
	"strings"

	"github.com/sluice-go/sluice"
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

// drain yields the events queued in *out, oldest first, and empties it.
// It returns false when the stream must end: the loop stopped, or ctx is
// done (its error then yielded).
func drain(ctx context.Context, out *[]Event, yield func(Event, error) bool) bool {
	for len(*out) > 0 {
		if ctx.Err() != nil {
			yield(Event{}, sluice.ContextError(ctx))
			return false
		}
		e := (*out)[0]
		(*out)[0] = Event{} // let the path go
		*out = (*out)[1:]
		if !yield(e, nil) {
			return false
		}
	}
	return true
}

// A queue holds the events ready to report, in order, as both modes make
// them: through the filters and, with Options.Debounce, the debouncer.
type queue struct {
	opts *Options
	out  []Event
	deb  *debouncer
}

func newQueue(opts *Options) queue {
	q := queue{opts: opts}
	if d := opts.debounce(); d > 0 {
		q.deb = newDebouncer(d)
	}
	return q
}

// emit reports e, through the filters and the debouncer.
func (q *queue) emit(e Event) {
	if !q.opts.keep(e) {
		return
	}
	if q.deb != nil {
		q.deb.add(e)
		return
	}
	q.out = append(q.out, e)
}

// rescan reports a Rescan of dir after every event held by the debouncer.
func (q *queue) rescan(dir string, reason error) {
	if q.deb != nil {
		q.out = q.deb.flush(q.out)
	}
	q.out = append(q.out, Event{Path: dir, Op: Rescan, Reason: reason})
}

// fail reports every event held, then err, which ends the watch; it stops
// early when ctx is done or the consumer has gone.
func (q *queue) fail(ctx context.Context, yield func(Event, error) bool, err error) {
	if q.deb != nil {
		q.out = q.deb.flush(q.out)
	}
	for _, e := range q.out {
		if ctx.Err() != nil || !yield(e, nil) {
			return
		}
	}
	yield(Event{}, err)
}
