package pgcopy_test

import (
	"context"
	"iter"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/sinks/pgcopy"
)

// What Write cannot use is an error naming it, before the source is
// ranged; never a panic.
func TestBadInput(t *testing.T) {
	db := newDB(t)
	store := pgstore.New(db.conn, "checkpoints")
	good := func() *pgcopy.Sink[item] {
		return &pgcopy.Sink[item]{
			Table:   pgx.Identifier{"t"},
			Columns: []string{"k", "name"},
			Row:     itemRow,
		}
	}
	ranged := false
	source := func(yield func(item, error) bool) { ranged = true }
	for _, tc := range []struct {
		sink  *pgcopy.Sink[item] // nil: good()
		db    pgcopy.DB          // nil: the test's connection
		noDB  bool               // a nil DB
		noSeq bool               // a nil iterator
		want  string
	}{
		{want: "pgcopy: nil *Sink"},
		{noDB: true, want: "pgcopy: Write with a nil DB"},
		{db: (*pgx.Conn)(nil), want: "pgcopy: Write with a nil DB"},
		{db: (*pgxpool.Pool)(nil), want: "pgcopy: Write with a nil DB"},
		{noSeq: true, want: "pgcopy: Write of a nil iterator"},
		{sink: with(good(), func(s *pgcopy.Sink[item]) { s.Table = nil }), want: "pgcopy: Sink.Table is empty"},
		{sink: with(good(), func(s *pgcopy.Sink[item]) { s.Table = pgx.Identifier{"public", ""} }), want: "pgcopy: Sink.Table[1] is empty"},
		{sink: with(good(), func(s *pgcopy.Sink[item]) { s.Columns = nil }), want: "pgcopy: Sink.Columns is empty"},
		{sink: with(good(), func(s *pgcopy.Sink[item]) { s.Columns = []string{"k", ""} }), want: "pgcopy: Sink.Columns[1] is empty"},
		{sink: with(good(), func(s *pgcopy.Sink[item]) { s.Row = nil }), want: "pgcopy: Sink.Row is nil"},
		{sink: with(good(), func(s *pgcopy.Sink[item]) { s.BatchRows = -1 }), want: "pgcopy: Sink.BatchRows is -1, want 0 or more"},
		{sink: with(good(), func(s *pgcopy.Sink[item]) { s.BatchBytes = -5 }), want: "pgcopy: Sink.BatchBytes is -5, want 0 or more"},
		{sink: with(good(), func(s *pgcopy.Sink[item]) { s.Checkpoint = store }), want: "pgcopy: Sink.Checkpoint is set but Sink.Name is empty"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			s, conn, seq := tc.sink, tc.db, iter.Seq2[item, error](source)
			if s == nil && tc.want != "pgcopy: nil *Sink" {
				s = good()
			}
			if conn == nil && !tc.noDB {
				conn = db.conn
			}
			if tc.noSeq {
				seq = nil
			}
			res, err := s.Write(context.Background(), conn, seq)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Write = %v, want %s", err, tc.want)
			}
			if res != (pgcopy.Result{}) {
				t.Errorf("Result = %+v, want none", res)
			}
		})
	}

	// A checkpoint needs a cursor: a V without a Cursor method needs
	// Sink.Cursor.
	type plain struct{ K int64 }
	s := &pgcopy.Sink[plain]{
		Table:      pgx.Identifier{"t"},
		Columns:    []string{"k"},
		Row:        func(p plain) ([]any, error) { return []any{p.K}, nil },
		Checkpoint: store,
		Name:       "t",
	}
	_, err := s.Write(context.Background(), db.conn, func(yield func(plain, error) bool) { ranged = true })
	want := "pgcopy: Sink.Checkpoint is set but there is no cursor: Sink.Cursor is nil and pgcopy_test.plain has no Cursor() string method"
	if err == nil || err.Error() != want {
		t.Errorf("Write = %v, want %s", err, want)
	}
	if ranged {
		t.Error("a source was ranged")
	}

	// A missing table is a failure of the first batch.
	_, err = good().Write(context.Background(), db.conn, items(1, 10))
	if be := asBatchError(t, err); be.Batch != 1 || be.Row != 0 {
		t.Errorf("Write into a missing table = %v, want a BatchError of batch 1", err)
	}

	// Load needs a checkpoint and a name.
	for _, tc := range []struct {
		sink *pgcopy.Sink[item]
		want string
	}{
		{nil, "pgcopy: nil *Sink"},
		{good(), "pgcopy: Load of a Sink without a Checkpoint"},
		{with(good(), func(s *pgcopy.Sink[item]) { s.Checkpoint = store }), "pgcopy: Sink.Checkpoint is set but Sink.Name is empty"},
	} {
		if c, err := tc.sink.Load(context.Background()); err == nil || err.Error() != tc.want || c != "" {
			t.Errorf("Load = %q, %v, want %s", c, err, tc.want)
		}
	}
}

func with(s *pgcopy.Sink[item], f func(*pgcopy.Sink[item])) *pgcopy.Sink[item] {
	f(s)
	return s
}
