package sqlrows_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/sources/sqlrows"
)

// TestRowsClosedOnEveryWayOut checks that Rows closes rows already open
// (its connection goes back to the pool) whichever way the loop ends.
func TestRowsClosedOnEveryWayOut(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, database(t, 10))
	failing := func(pgx.CollectableRow) (item, error) { return item{}, errors.New("scan failed") }
	for _, tc := range []struct {
		name string
		scan pgx.RowToFunc[item]
		loop func(item, error) bool // false: break
	}{
		{"end", scan, func(item, error) bool { return true }},
		{"break", scan, func(item, error) bool { return false }},
		{"panic", scan, func(item, error) bool { panic("in the loop") }},
		{"scan error", failing, func(item, error) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := pool.Query(ctx, seriesQuery, 10)
			if err != nil {
				t.Fatal(err)
			}
			func() {
				defer func() { recover() }()
				for v, err := range sqlrows.Rows(ctx, rows, tc.scan) {
					if !tc.loop(v, err) {
						break
					}
				}
			}()
			if n := pool.Stat().AcquiredConns(); n != 0 {
				t.Errorf("%d connections still acquired: the rows were left open", n)
			}
		})
	}
}

// TestRowsInterruptedByItsContext checks that the ctx of Rows interrupts
// a read blocked in the server even when the rows were queried with
// another context, and that the pool stays usable.
func TestRowsInterruptedByItsContext(t *testing.T) {
	pool := newPool(t, database(t, 0))
	rows, err := pool.Query(context.Background(), stallQuery, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	var last error
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, err := range sqlrows.Rows(ctx, rows, scan) {
			if last = err; err == nil {
				if n++; n == 3 {
					time.AfterFunc(50*time.Millisecond, cancel)
				}
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Rows still blocked 30s after its ctx was canceled")
	}
	if n != 3 || !errors.Is(last, context.Canceled) {
		t.Errorf("got %d rows then %v, want 3 then context.Canceled", n, last)
	}
	var one int
	if err := pool.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
		t.Errorf("pool after the interrupted rows: %v", err)
	}
}

// TestRowsContextDoneAtTheEnd checks that a ctx done after the last row
// has arrived still reads as a cancellation, and leaves the connection
// usable: the interruption set on it is undone.
func TestRowsContextDoneAtTheEnd(t *testing.T) {
	dsn := database(t, 0)
	conn := connect(t, dsn)
	for range 20 {
		rows, err := conn.Query(context.Background(), seriesQuery, 3)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var last error
		for v, err := range sqlrows.Rows(ctx, rows, scan) {
			if last = err; v.ID == 3 {
				cancel()
			}
		}
		cancel()
		if !errors.Is(last, context.Canceled) {
			t.Fatalf("last error = %v, want context.Canceled", last)
		}
		if conn.IsClosed() {
			// The interruption caught the final read, and pgx closed
			// the connection, as for a canceled query.
			conn = connect(t, dsn)
			continue
		}
		var one int
		if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
			t.Fatalf("the connection, still open, fails: %v", err)
		}
	}
}
