package sqlrows_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/sources/sqlrows"
)

// terminate ends the server process of the connection with process id
// pid, from a connection of its own, as an administrator or a failover
// would.
func terminate(t *testing.T, dsn string, pid uint32) {
	t.Helper()
	admin := connect(t, dsn)
	var ok bool
	if err := admin.QueryRow(context.Background(), "SELECT pg_terminate_backend($1)", int32(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
	}
}

// TestTerminatedQuery checks that a query whose server process is
// terminated mid-stream ends with an error, never as if complete.
func TestTerminatedQuery(t *testing.T) {
	ctx := context.Background()
	dsn := database(t, 0)
	const total = 10_000_000 // far more than the socket buffers hold
	t.Run("All", func(t *testing.T) {
		conn := connect(t, dsn)
		n, err := countUntil(sqlrows.All(ctx, conn, seriesQuery, []any{total}, scan), 1000, func() {
			terminate(t, dsn, conn.PgConn().PID())
		})
		if err == nil || n >= total {
			t.Fatalf("terminated after 1000 rows: %d rows, then %v; want an error", n, err)
		}
		t.Logf("%d rows, then %v", n, err)
	})
	t.Run("SQL", func(t *testing.T) {
		db := openSQL(t, dsn)
		sconn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer sconn.Close()
		var pid uint32
		sconn.Raw(func(c any) error {
			pid = c.(interface{ Conn() *pgx.Conn }).Conn().PgConn().PID()
			return nil
		})
		var seq = sqlrows.SQL(ctx, sconn, seriesQuery, []any{total}, scanItem)
		n, err := countUntil(seq, 1000, func() { terminate(t, dsn, pid) })
		if err == nil || n >= total {
			t.Fatalf("terminated after 1000 rows: %d rows, then %v; want an error", n, err)
		}
		t.Logf("%d rows, then %v", n, err)
	})
}

// countUntil ranges seq, calls f after k values, and returns the number of
// values and the error that ended it.
func countUntil[V any](seq func(func(V, error) bool), k int, f func()) (int, error) {
	n := 0
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		if n++; n == k {
			f()
		}
	}
	return n, nil
}

// TestTerminatedKeysetResumes terminates the server process of a keyset
// scan mid-way; the scan ends with an error, and resumed after the
// cursor of its last row, on a new connection, it reads exactly the rows
// it had not: nothing lost, nothing repeated.
func TestTerminatedKeysetResumes(t *testing.T) {
	ctx := context.Background()
	const total = 20_000
	dsn := database(t, total)
	table := sqlrows.Table{From: "items", Key: []string{"id"}}
	opts := &sqlrows.KeysetOptions{PageSize: 500}

	conn := connect(t, dsn)
	var got []int
	var cursor string
	var last error
	for r, err := range sqlrows.Keyset(ctx, conn, table, scan, opts) {
		if last = err; err != nil {
			break
		}
		got = append(got, r.Value.ID)
		cursor = r.Cursor()
		if len(got) == 2750 { // in the middle of a page
			terminate(t, dsn, conn.PgConn().PID())
		}
	}
	if last == nil {
		t.Fatalf("terminated mid-scan, the scan ended without an error after %d rows", len(got))
	}
	t.Logf("%d rows, then %v", len(got), last)

	resumed := &sqlrows.KeysetOptions{PageSize: 500, After: cursor}
	for r, err := range sqlrows.Keyset(ctx, connect(t, dsn), table, scan, resumed) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Value.ID)
	}
	if len(got) != total {
		t.Fatalf("%d rows in all, want %d", len(got), total)
	}
	for i, id := range got {
		if id != i+1 {
			t.Fatalf("row %d is id %d, want %d: a row lost or repeated", i, id, i+1)
		}
	}
}

var _ sqlrows.SQLQuerier = (*sql.Conn)(nil)
