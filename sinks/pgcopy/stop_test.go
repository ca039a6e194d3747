package pgcopy_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/sluice-go/sluice/sinks/pgcopy"
)

// A source error in the middle of a batch leaves exactly the batches
// before it committed.
func TestSourceError(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	s := db.newSink(t, "t", 1000)
	boom := errors.New("boom")
	res, err := s.Write(ctx, db.pool(t), failing(1, 2500, boom))
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want the source's error", err)
	}
	want := `pgcopy: copy into "t": source failed after row 2500: boom (2000 rows committed in 2 batches; rows 2001 to 2500 not written)`
	if err.Error() != want {
		t.Errorf("Write = %q\nwant      %q", err, want)
	}
	db.checkState(t, s, res, pgcopy.Result{Rows: 2000, Batches: 2, Cursor: "2000"})
}

// cancelAfter returns the stream of items from 1 to n, which cancels ctx
// after yielding k of them and goes on, as a source that ignores ctx
// would.
func cancelAfter(cancel func(), k, n int64) iter.Seq2[item, error] {
	return func(yield func(item, error) bool) {
		for it := range items(1, n) {
			if !yield(it, nil) {
				return
			}
			if it.K == k {
				cancel()
			}
		}
	}
}

// When ctx is done, Write stops at once, in the middle of a batch or just
// before committing one, and commits nothing more.
func TestCancel(t *testing.T) {
	for _, tc := range []struct {
		name  string
		k     int64 // the row after which ctx is canceled
		inRow bool  // cancel in Row rather than in the source
	}{
		{"MidBatch", 1500, false},
		{"FirstRow", 1, false},
		// Row 2000 fills batch 2: canceled before it commits.
		{"BeforeCommit", 2000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			s := db.newSink(t, "t", 1000)
			cause := errors.New("shutting down")
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			seq := cancelAfter(func() { cancel(cause) }, tc.k, 5000)
			if tc.inRow {
				seq = items(1, 5000)
				s.Row = func(it item) ([]any, error) {
					if it.K == tc.k {
						cancel(cause)
					}
					return itemRow(it)
				}
			}
			res, err := s.Write(ctx, db.pool(t), seq)
			if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
				t.Fatalf("Write = %v, want context.Canceled and its cause", err)
			}
			if !strings.Contains(err.Error(), " not written)") {
				t.Errorf("Write = %v, want how far it got", err)
			}
			committed := (tc.k - 1) / 1000 * 1000
			want := pgcopy.Result{Rows: committed, Batches: int(committed / 1000)}
			if committed > 0 {
				want.Cursor = "1000"
			}
			db.checkState(t, s, res, want)
		})
	}
}

// A Write with a done ctx reads nothing.
func TestCancelBefore(t *testing.T) {
	db := newDB(t)
	s := db.newSink(t, "t", 1000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	seq := func(yield func(item, error) bool) { t.Error("source ranged") }
	res, err := s.Write(ctx, db.conn, seq)
	if !errors.Is(err, context.Canceled) || res != (pgcopy.Result{}) {
		t.Fatalf("Write = %+v, %v, want context.Canceled", res, err)
	}
}

// cancelValue cancels a context when pgx encodes it, in the middle of a
// COPY.
type cancelValue struct {
	k      int64
	cancel func()
}

func (v cancelValue) Value() (driver.Value, error) {
	v.cancel()
	return v.k, nil
}

// A cancellation during a COPY rolls back its batch. With pgx's default
// handling of a cancellation, which closes the connection, or with a
// cancel request, which leaves it usable (the rollback of the batch must
// not use the done ctx, or pgx would close it).
func TestCancelDuringCopy(t *testing.T) {
	for _, cancelRequest := range []bool{false, true} {
		t.Run(fmt.Sprintf("cancelRequest=%v", cancelRequest), func(t *testing.T) {
			testCancelDuringCopy(t, cancelRequest)
		})
	}
}

func testCancelDuringCopy(t *testing.T, cancelRequest bool) {
	db := newDB(t)
	s := db.newSink(t, "t", 1000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Row = func(it item) ([]any, error) {
		if it.K == 1500 {
			return []any{cancelValue{it.K, cancel}, it.Name}, nil
		}
		return itemRow(it)
	}
	cfg, err := pgx.ParseConfig(db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if cancelRequest {
		cfg.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
			return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: time.Minute}
		}
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	res, err := s.Write(ctx, conn, items(1, 2500))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write = %v, want context.Canceled", err)
	}
	db.checkState(t, s, res, pgcopy.Result{Rows: 1000, Batches: 1, Cursor: "1000"})
	if !cancelRequest {
		return
	}
	var one int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
		t.Errorf("connection after the cancellation: %v", err)
	}
}

// An error of Row stops the write before its row's batch.
func TestRowError(t *testing.T) {
	db := newDB(t)
	s := db.newSink(t, "t", 1000)
	bad := errors.New("bad value")
	s.Row = func(it item) ([]any, error) {
		if it.K == 1500 {
			return nil, bad
		}
		return itemRow(it)
	}
	res, err := s.Write(context.Background(), db.conn, items(1, 2500))
	if !errors.Is(err, bad) {
		t.Fatalf("Write = %v, want Row's error", err)
	}
	want := `pgcopy: copy into "t": row 1500: Row: bad value (1000 rows committed in 1 batch; rows 1001 to 1500 not written)`
	if err.Error() != want {
		t.Errorf("Write = %q\nwant      %q", err, want)
	}
	db.checkState(t, s, res, pgcopy.Result{Rows: 1000, Batches: 1, Cursor: "1000"})

	// So is a row of the wrong length.
	s = db.newSink(t, "u", 1000)
	s.Row = func(it item) ([]any, error) {
		if it.K == 3 {
			return []any{it.K}, nil
		}
		return itemRow(it)
	}
	res, err = s.Write(context.Background(), db.conn, items(1, 2500))
	want = `pgcopy: copy into "u": row 3: Row: 1 values for 2 columns (nothing committed; rows 1 to 3 not written)`
	if err == nil || err.Error() != want {
		t.Errorf("Write = %v\nwant      %s", err, want)
	}
	db.checkState(t, s, res, pgcopy.Result{})
}

// A pipeline that fails halfway and restarts from Load writes every row
// once.
func TestRestart(t *testing.T) {
	const n = 5000
	ctx := context.Background()
	db := newDB(t)
	s := db.newSink(t, "t", 700)
	boom := errors.New("boom")
	res, err := s.Write(ctx, db.pool(t), failing(1, n/2, boom))
	if !errors.Is(err, boom) {
		t.Fatalf("first Write = %v, want the failure", err)
	}
	if res.Rows != 2100 {
		t.Errorf("first Write committed %d rows, want 2100", res.Rows)
	}
	cursor := db.checkpoint(t, s)
	if cursor != res.Cursor {
		t.Errorf("Load = %q, want the Result's cursor %q", cursor, res.Cursor)
	}
	res, err = s.Write(ctx, db.pool(t), after(t, cursor, n))
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != n-2100 || res.Cursor != "5000" {
		t.Errorf("second Write = %+v, want %d rows to cursor 5000", res, n-2100)
	}
	db.checkKeys(t, "t", n)
}
