package main

import "time"

// saveInterval is the shortest time between two checkpoint saves.
const saveInterval = 250 * time.Millisecond

// cursor returns the cursor of the last line that reached stdout, or
// where the run started.
func (o *output[V]) cursor() string {
	if !o.hasLast || o.p.cursor == nil {
		return o.r.after
	}
	return o.p.cursor(o.last)
}

// save records the cursor of the last line written in the checkpoint, and
// whether the source was read to its end.
func (o *output[V]) save(done bool) error {
	r := o.r
	if r.ckpt == nil || (r.flushed == r.savedAt && !done) {
		return nil
	}
	if err := r.ckpt.save(o.cursor(), done); err != nil {
		return err
	}
	r.savedAt, r.lastSave = r.flushed, time.Now()
	return nil
}
