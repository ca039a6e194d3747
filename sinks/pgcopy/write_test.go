package pgcopy_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
	"github.com/sluice-go/sluice/sinks/pgcopy"
)

// Write commits a batch per BatchRows rows, each in its own transaction
// with its cursor, over a connection and over a pool.
func TestWrite(t *testing.T) {
	for _, over := range []string{"conn", "pool"} {
		t.Run(over, func(t *testing.T) {
			ctx := context.Background()
			db := newDB(t)
			var conn pgcopy.DB = pgenv.Connect(t, db.dsn)
			if over == "pool" {
				conn = db.pool(t)
			}
			s := db.newSink(t, "t", 1000)
			res, err := s.Write(ctx, conn, items(1, 2500))
			if err != nil {
				t.Fatal(err)
			}
			db.checkState(t, s, res, pgcopy.Result{Rows: 2500, Batches: 3, Cursor: "2500"})
			if got := db.batches(t, "t"); !slices.Equal(got, []int64{1000, 1000, 500}) {
				t.Errorf("rows per transaction = %v, want [1000 1000 500]", got)
			}
		})
	}
}

// Over a pgx.Tx the batches are savepoints: the caller's commit or
// rollback decides.
func TestWriteTx(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := db.newSink(t, "t", 100)
	conn := pgenv.Connect(t, db.dsn)
	for _, commit := range []bool{false, true} {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Write(ctx, tx, items(1, 250))
		if err != nil || res != (pgcopy.Result{Rows: 250, Batches: 3, Cursor: "250"}) {
			t.Fatalf("Write = %+v, %v", res, err)
		}
		var n int64
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 250 {
			t.Fatalf("rows seen in the transaction = %d, %v, want 250", n, err)
		}
		if commit {
			err = tx.Commit(ctx)
		} else {
			err = tx.Rollback(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	db.checkKeys(t, "t", 250)
	if c := db.checkpoint(t, s); c != "250" {
		t.Errorf("checkpoint = %q, want 250", c)
	}
}

// BatchBytes ends a batch at the row that reaches it.
func TestBatchBytes(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := db.newSink(t, "t", 0)
	s.BatchBytes = 10 * (8 + 100)
	s.Row = func(it item) ([]any, error) { return []any{it.K, strings.Repeat("x", 100)}, nil }
	res, err := s.Write(ctx, db.conn, items(1, 25))
	if err != nil {
		t.Fatal(err)
	}
	db.checkState(t, s, res, pgcopy.Result{Rows: 25, Batches: 3, Cursor: "25"})
	if got := db.batches(t, "t"); !slices.Equal(got, []int64{10, 10, 5}) {
		t.Errorf("rows per transaction = %v, want [10 10 5]", got)
	}

	// A row larger than BatchBytes is a batch of its own.
	s = db.newSink(t, "big", 0)
	s.BatchBytes = 50
	s.Row = func(it item) ([]any, error) { return []any{it.K, []byte(strings.Repeat("y", int(it.K)*20))}, nil }
	db.exec(t, "ALTER TABLE big ALTER name TYPE bytea USING name::bytea")
	res, err = s.Write(ctx, db.conn, items(1, 4))
	if err != nil {
		t.Fatal(err)
	}
	// 28, 48 (76 ≥ 50), 28+40=68, 28+60=88: rows 1-2, 3, 4.
	db.checkState(t, s, res, pgcopy.Result{Rows: 4, Batches: 3, Cursor: "4"})
	if got := db.batches(t, "big"); !slices.Equal(got, []int64{2, 1, 1}) {
		t.Errorf("rows per transaction = %v, want [2 1 1]", got)
	}
}

// Without a cursor function or a checkpoint, Write writes, and Result has
// no cursor.
func TestWriteNoCursor(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	db.exec(t, "CREATE TABLE t (k bigint)")
	s := &pgcopy.Sink[int64]{
		Table:   pgx.Identifier{"public", "t"},
		Columns: []string{"k"},
		Row:     func(k int64) ([]any, error) { return []any{k}, nil },
	}
	seq := func(yield func(int64, error) bool) {
		for k := int64(1); k <= 30 && yield(k, nil); k++ {
		}
	}
	res, err := s.Write(ctx, db.conn, seq)
	if err != nil || res != (pgcopy.Result{Rows: 30, Batches: 1}) {
		t.Fatalf("Write = %+v, %v", res, err)
	}
	db.checkKeys(t, "t", 30)
}

// An empty stream commits nothing.
func TestWriteEmpty(t *testing.T) {
	db := newDB(t)
	s := db.newSink(t, "t", 10)
	res, err := s.Write(context.Background(), db.conn, items(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	db.checkState(t, s, res, pgcopy.Result{})
}

// A channel, through sluice.FromStream, is written as its iterator would
// be, and a failure of its producer stops the write.
func TestWriteFromStream(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := db.newSink(t, "t", 300)
	ch, stop := sluice.Stream(ctx, items(1, 1000), &sluice.StreamOptions{Buffer: 16})
	res, err := s.Write(ctx, db.pool(t), sluice.FromStream(ch, stop))
	if err != nil {
		t.Fatal(err)
	}
	db.checkState(t, s, res, pgcopy.Result{Rows: 1000, Batches: 4, Cursor: "1000"})

	boom := errors.New("boom")
	s = db.newSink(t, "u", 300)
	ch, stop = sluice.Stream(ctx, failing(1, 700, boom), nil)
	res, err = s.Write(ctx, db.conn, sluice.FromStream(ch, stop))
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want the producer's error", err)
	}
	db.checkState(t, s, res, pgcopy.Result{Rows: 600, Batches: 2, Cursor: "600"})
}

// A Sink of a V whose Cursor method is on an interface type reports a nil
// value rather than panic.
func TestWriteNilCursorer(t *testing.T) {
	type cursorer interface{ Cursor() string }
	db := newDB(t)
	db.newSink(t, "t", 0)
	s := &pgcopy.Sink[cursorer]{
		Table:   pgx.Identifier{"t"},
		Columns: []string{"k"},
		Row: func(c cursorer) ([]any, error) {
			if c == nil {
				return []any{nil}, nil
			}
			return []any{c.(item).K}, nil
		},
		Checkpoint: pgstore.New(db.conn, "checkpoints"),
		Name:       "t",
	}
	seq := func(yield func(cursorer, error) bool) {
		_ = yield(item{K: 1}, nil) && yield(nil, nil)
	}
	res, err := s.Write(context.Background(), db.conn, seq)
	if err == nil || !strings.Contains(err.Error(), "nil pgcopy_test.cursorer has no cursor") {
		t.Fatalf("Write = %v, want an error for the nil value", err)
	}
	if res != (pgcopy.Result{}) {
		t.Errorf("Result = %+v, want none", res)
	}
}
