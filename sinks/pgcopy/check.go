package pgcopy

import (
	"errors"
	"fmt"
	"iter"
	"reflect"

	"github.com/sluice-go/sluice/internal/cursorfunc"
)

var (
	errNilSink          = errors.New("pgcopy: nil *Sink")
	errNilDB            = errors.New("pgcopy: Write with a nil DB")
	errNilSeq           = errors.New("pgcopy: Write of a nil iterator")
	errNoTable          = errors.New("pgcopy: Sink.Table is empty")
	errNoColumns        = errors.New("pgcopy: Sink.Columns is empty")
	errNilRow           = errors.New("pgcopy: Sink.Row is nil")
	errNoName           = errors.New("pgcopy: Sink.Checkpoint is set but Sink.Name is empty")
	errLoadNoCheckpoint = errors.New("pgcopy: Load of a Sink without a Checkpoint")
)

// newWriter checks s, db and seq, and returns the state of a Write of seq
// through db.
func (s *Sink[V]) newWriter(db DB, seq iter.Seq2[V, error]) (*writer[V], error) {
	if s == nil {
		return nil, errNilSink
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	if isNil(db) {
		return nil, errNilDB
	}
	if seq == nil {
		return nil, errNilSeq
	}
	w := &writer[V]{
		s:       s,
		db:      db,
		table:   s.Table.Sanitize(),
		relname: s.Table[len(s.Table)-1],
		cursor:  s.cursorFunc(),
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

// check reports the first field of s that Write cannot use.
func (s *Sink[V]) check() error {
	if len(s.Table) == 0 {
		return errNoTable
	}
	for i, part := range s.Table {
		if part == "" {
			return fmt.Errorf("pgcopy: Sink.Table[%d] is empty", i)
		}
	}
	if len(s.Columns) == 0 {
		return errNoColumns
	}
	for i, c := range s.Columns {
		if c == "" {
			return fmt.Errorf("pgcopy: Sink.Columns[%d] is empty", i)
		}
	}
	switch {
	case s.Row == nil:
		return errNilRow
	case s.BatchRows < 0:
		return fmt.Errorf("pgcopy: Sink.BatchRows is %d, want 0 or more", s.BatchRows)
	case s.BatchBytes < 0:
		return fmt.Errorf("pgcopy: Sink.BatchBytes is %d, want 0 or more", s.BatchBytes)
	case s.Checkpoint != nil && s.Name == "":
		return errNoName
	case s.Checkpoint != nil && s.cursorFunc() == nil:
		return fmt.Errorf("pgcopy: Sink.Checkpoint is set but there is no cursor: Sink.Cursor is nil and %v has no Cursor() string method",
			reflect.TypeFor[V]())
	}
	return nil
}

// isNil reports whether db is nil or a nil pointer, such as a *pgx.Conn
// that was never connected, on which Begin would panic.
func isNil(db DB) bool {
	if db == nil {
		return true
	}
	v := reflect.ValueOf(db)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// cursorFunc returns the cursor function of s: s.Cursor, or else V's
// Cursor method, or else nil (see package cursorfunc).
func (s *Sink[V]) cursorFunc() func(V) (string, bool) { return cursorfunc.Of(s.Cursor) }
