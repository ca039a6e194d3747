package watch

import "time"

// A debouncer holds events to coalesce them by path (Options.Debounce).
// Each path's window opens with its first event and has the same length,
// so windows close in the order they opened: a queue, with one timer for
// its head.
type debouncer struct {
	window  time.Duration
	order   []string // paths in the order their windows opened
	pending map[string]*pending
	timer   *time.Timer
}

type pending struct {
	op  Op
	due time.Time
}

func newDebouncer(window time.Duration) *debouncer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &debouncer{window: window, pending: map[string]*pending{}, timer: t}
}

// add holds e, merged with what is pending for its path.
func (d *debouncer) add(e Event) {
	if p, ok := d.pending[e.Path]; ok {
		p.op = merge(p.op, e.Op)
		return
	}
	d.pending[e.Path] = &pending{op: e.Op, due: time.Now().Add(d.window)}
	d.order = append(d.order, e.Path)
}

// merge is the documented rule: a Remove or Rename replaces what came
// before (the path is gone), and anything after a Remove or Rename means
// the path is back.
func merge(old, op Op) Op {
	if op&(Remove|Rename) != 0 {
		return op
	}
	return old&^(Remove|Rename) | op
}

// due returns a channel that receives when the oldest window closes, or
// nil when nothing is pending. A nil *debouncer has nothing pending.
func (d *debouncer) due() <-chan time.Time {
	if d == nil || len(d.order) == 0 {
		return nil
	}
	d.timer.Reset(time.Until(d.pending[d.order[0]].due))
	return d.timer.C
}

// expire appends to out the events whose window has closed.
func (d *debouncer) expire(out []Event) []Event {
	now := time.Now()
	for len(d.order) > 0 && !d.pending[d.order[0]].due.After(now) {
		out = d.pop(out)
	}
	return out
}

// flush appends every pending event to out.
func (d *debouncer) flush(out []Event) []Event {
	for len(d.order) > 0 {
		out = d.pop(out)
	}
	return out
}

func (d *debouncer) pop(out []Event) []Event {
	path := d.order[0]
	d.order[0] = ""
	d.order = d.order[1:]
	p := d.pending[path]
	delete(d.pending, path)
	return append(out, Event{Path: path, Op: p.op})
}

func (d *debouncer) stop() { d.timer.Stop() }
