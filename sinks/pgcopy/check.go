package pgcopy

import (
	"errors"
	"fmt"
	"iter"

	"github.com/sluice-go/sluice/internal/sinkrun"
)

var names = sinkrun.Names{Pkg: "pgcopy", Type: "Sink", Handle: "DB", Unit: "row"}

// shared returns what s shares with the other sinks, for the checks, Load
// and messages of package sinkrun.
func (s *Sink[V]) shared() *sinkrun.Sink[V] {
	switch {
	case s == nil:
		return sinkrun.Nil[V](names)
	case s.Checkpoint == nil:
		// Not a non-nil Loader holding a nil pointer: no checkpoint.
		return sinkrun.New(names, nil, s.Name, s.Cursor)
	}
	return sinkrun.New(names, s.Checkpoint, s.Name, s.Cursor)
}

// newWriter checks s, db and seq, and returns the state of a Write of seq
// through db.
func (s *Sink[V]) newWriter(db DB, seq iter.Seq2[V, error]) (*writer[V], error) {
	shared := s.shared()
	if err := shared.Check(s.check, db, seq); err != nil {
		return nil, err
	}
	w := &writer[V]{
		s:       s,
		shared:  shared,
		db:      db,
		table:   s.Table.Sanitize(),
		relname: s.Table[len(s.Table)-1],
		cursor:  shared.CursorFunc(),
	}
	w.batch.row, w.batch.columns, w.batch.keep = s.Row, len(s.Columns), w.cursor != nil
	w.batch.maxRows = s.BatchRows
	if w.batch.maxRows == 0 {
		w.batch.maxRows = defaultBatchRows
	}
	w.batch.maxBytes = s.BatchBytes
	if w.batch.maxBytes == 0 {
		w.batch.maxBytes = defaultBatchBytes
	}
	return w, nil
}

// check reports the first of s's own fields that Write cannot use (the
// checkpoint's are sinkrun's).
func (s *Sink[V]) check() error {
	if len(s.Table) == 0 {
		return errors.New("pgcopy: Sink.Table is empty")
	}
	for i, part := range s.Table {
		if part == "" {
			return fmt.Errorf("pgcopy: Sink.Table[%d] is empty", i)
		}
	}
	if len(s.Columns) == 0 {
		return errors.New("pgcopy: Sink.Columns is empty")
	}
	for i, c := range s.Columns {
		if c == "" {
			return fmt.Errorf("pgcopy: Sink.Columns[%d] is empty", i)
		}
	}
	switch {
	case s.Row == nil:
		return errors.New("pgcopy: Sink.Row is nil")
	case s.BatchRows < 0:
		return fmt.Errorf("pgcopy: Sink.BatchRows is %d, want 0 or more", s.BatchRows)
	case s.BatchBytes < 0:
		return fmt.Errorf("pgcopy: Sink.BatchBytes is %d, want 0 or more", s.BatchBytes)
	}
	return nil
}
