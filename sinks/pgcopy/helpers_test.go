package pgcopy_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
	"github.com/sluice-go/sluice/sinks/pgcopy"
)

// An item is a value of the test streams; its cursor is its key.
type item struct {
	K    int64
	Name string
}

func (it item) Cursor() string { return strconv.FormatInt(it.K, 10) }

func itemRow(it item) ([]any, error) { return []any{it.K, it.Name}, nil }

// items returns a stream of the items from to to, keys included.
func items(from, to int64) iter.Seq2[item, error] {
	return func(yield func(item, error) bool) {
		for k := from; k <= to; k++ {
			if !yield(item{K: k, Name: "n" + strconv.FormatInt(k, 10)}, nil) {
				return
			}
		}
	}
}

// failing returns a stream of the items from to to, then err.
func failing(from, to int64, err error) iter.Seq2[item, error] {
	return func(yield func(item, error) bool) {
		for it := range items(from, to) {
			if !yield(it, nil) {
				return
			}
		}
		yield(item{}, err)
	}
}

// after returns the stream of items up to to that follow cursor: the
// source a restarted pipeline resumes.
func after(t *testing.T, cursor string, to int64) iter.Seq2[item, error] {
	t.Helper()
	from := int64(1)
	if cursor != "" {
		k, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil {
			t.Fatalf("cursor %q: %v", cursor, err)
		}
		from = k + 1
	}
	return items(from, to)
}

// testDB is a database of the test's own, with a connection to inspect
// it.
type testDB struct {
	dsn  string
	conn *pgx.Conn
}

func newDB(t testing.TB) *testDB {
	t.Helper()
	dsn := pgenv.Database(t)
	return &testDB{dsn: dsn, conn: pgenv.Connect(t, dsn)}
}

// pool returns a pool on the database, closed when the test ends.
func (db *testDB) pool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), db.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func (db *testDB) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := db.conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// keys returns the keys of table, in order.
func (db *testDB) keys(t *testing.T, table string) []int64 {
	t.Helper()
	rows, _ := db.conn.Query(context.Background(), "SELECT k FROM "+table+" ORDER BY k")
	keys, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatalf("keys of %s: %v", table, err)
	}
	return keys
}

// checkKeys fails t unless table holds exactly the keys from 1 to n,
// once each.
func (db *testDB) checkKeys(t *testing.T, table string, n int64) {
	t.Helper()
	keys := db.keys(t, table)
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i) + 1
	}
	if !slices.Equal(keys, want) {
		t.Errorf("%s holds %d keys %s, want 1 to %d", table, len(keys), brief(keys), n)
	}
}

// batches returns the number of rows of table written by each
// transaction, in the order of their first key.
func (db *testDB) batches(t *testing.T, table string) []int64 {
	t.Helper()
	rows, _ := db.conn.Query(context.Background(),
		"SELECT count(*) FROM "+table+" GROUP BY xmin::text::bigint ORDER BY min(k)")
	sizes, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatalf("batches of %s: %v", table, err)
	}
	return sizes
}

func brief(keys []int64) string {
	var b strings.Builder
	for i, k := range keys {
		if i == 10 {
			b.WriteString(" …")
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatInt(k, 10))
	}
	return "[" + b.String() + "]"
}

// newSink returns a sink of items into table with a checkpoint named
// after it, creating the table.
func (db *testDB) newSink(t *testing.T, table string, batchRows int) *pgcopy.Sink[item] {
	t.Helper()
	db.exec(t, "CREATE TABLE "+table+" (k bigint, name text)")
	return &pgcopy.Sink[item]{
		Table:      pgx.Identifier{table},
		Columns:    []string{"k", "name"},
		Row:        itemRow,
		BatchRows:  batchRows,
		Checkpoint: pgstore.New(db.conn, "checkpoints"),
		Name:       table,
	}
}

func (db *testDB) checkpoint(t *testing.T, s *pgcopy.Sink[item]) string {
	t.Helper()
	c, err := s.Load(context.Background())
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	return c
}

// checkState fails t unless a Write that returned res should have
// returned want, and left the table holding the keys 1 to want.Rows and
// the checkpoint at want.Cursor.
func (db *testDB) checkState(t *testing.T, s *pgcopy.Sink[item], res, want pgcopy.Result) {
	t.Helper()
	if res != want {
		t.Errorf("Result = %+v, want %+v", res, want)
	}
	db.checkKeys(t, s.Table[0], want.Rows)
	if c := db.checkpoint(t, s); c != want.Cursor {
		t.Errorf("checkpoint = %q, want %q", c, want.Cursor)
	}
}

func asBatchError(t *testing.T, err error) *pgcopy.BatchError {
	t.Helper()
	var be *pgcopy.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a *BatchError", err)
	}
	return be
}
