package sqlrows_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/sluice-go/sluice/internal/testenv/pgenv"
)

// item is a row of the test table, items(id, name).
type item struct {
	ID   int
	Name string
}

func itemName(id int) string { return fmt.Sprintf("item %d", id) }

// items returns the rows 1…n of the test table.
func items(n int) []item {
	s := make([]item, n)
	for i := range s {
		s[i] = item{ID: i + 1, Name: itemName(i + 1)}
	}
	return s
}

// fixtureSQL sets up a database: the table items with rows 1…n, and two
// functions that make a query misbehave after a given row, for the Fail
// and Stall checks.
const fixtureSQL = `
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, %d) AS i;
CREATE INDEX items_quarter ON items ((id / 4), id);
-- stall_after(i, n) is true, and sleeps for an hour once i > n. Its notice
-- makes the server flush the rows before it, which it would otherwise keep
-- in its output buffer, so that the client sees exactly n rows.
CREATE FUNCTION stall_after(i int, n int) RETURNS bool AS $$
BEGIN
	IF i > n THEN
		RAISE NOTICE 'stalling after row %%', n;
		PERFORM pg_sleep(3600);
	END IF;
	RETURN true;
END $$ LANGUAGE plpgsql VOLATILE;
`

// database creates a database with the fixture and returns its DSN.
func database(t testing.TB, n int) string {
	t.Helper()
	dsn := pgenv.Database(t)
	conn := pgenv.Connect(t, dsn)
	if _, err := conn.Exec(context.Background(), fmt.Sprintf(fixtureSQL, n)); err != nil {
		t.Fatal(err)
	}
	return dsn
}

// newPool opens a pool on dsn, closed when t ends.
func newPool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// indexPool opens a pool on dsn whose sessions read the test table
// through its indexes, closed when t ends. A keyset page of a table of any
// size is an index scan; with a table of ten rows the planner would rather
// sort it whole, evaluating Fail's and Stall's conditions for every row
// before returning the first.
func indexPool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["enable_seqscan"] = "off"
	cfg.ConnConfig.RuntimeParams["enable_sort"] = "off"
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// openSQL opens a database/sql handle on dsn through pgx's driver, closed
// when t ends.
func openSQL(t testing.TB, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func scanItem(rows *sql.Rows) (item, error) {
	var it item
	err := rows.Scan(&it.ID, &it.Name)
	return it, err
}

// Queries over generate_series, with the same rows as the table, so that
// Fail and Stall misbehave at a row of their choosing.
const (
	seriesQuery = `SELECT i AS id, 'item ' || i AS name FROM generate_series(1, $1::int) AS i`
	// (i - k) / (i - k) is 1 until i = k, where it divides by zero.
	failQuery  = seriesQuery + ` WHERE (i - $2) / (i - $2) = 1`
	stallQuery = seriesQuery + ` WHERE stall_after(i, $2)`
)

// divisionByZero passes seq on, and makes a division by zero from the
// server also wrap want, the error the conformance suite's Fail check
// looks for. Any other error is passed on unchanged, and fails the check.
func divisionByZero[V any](seq iter.Seq2[V, error], want error) iter.Seq2[V, error] {
	return func(yield func(V, error) bool) {
		for v, err := range seq {
			if !yield(v, alsoWrap(err, want)) {
				return
			}
		}
	}
}

// streamDivisionByZero is divisionByZero for a channel form: its stop
// makes a division by zero also wrap want.
func streamDivisionByZero[V any](ch <-chan V, stop func() error, want error) (<-chan V, func() error) {
	return ch, sync.OnceValue(func() error { return alsoWrap(stop(), want) })
}

// alsoWrap returns err, made to wrap want too when it is a division by
// zero from the server.
func alsoWrap(err, want error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "22012" {
		return fmt.Errorf("%w (%w)", err, want)
	}
	return err
}

// lazyRows is a pgx.Rows whose query runs on first use, with a context
// of its own, so that the suite's Lazy check (which builds an iterator and
// never ranges it) leaves no rows open, and so that only sqlrows.Rows's
// own handling of its ctx can interrupt a read. What Rows does with rows
// already open is what TestRows* check.
type lazyRows struct {
	pgx.Rows
	open func() (pgx.Rows, error)
	err  error
}

func (r *lazyRows) ensure() {
	if r.Rows == nil && r.err == nil {
		r.Rows, r.err = r.open()
	}
}

func (r *lazyRows) Conn() *pgx.Conn {
	if r.ensure(); r.Rows == nil {
		return nil
	}
	return r.Rows.Conn()
}

func (r *lazyRows) Next() bool {
	if r.ensure(); r.Rows == nil {
		return false
	}
	return r.Rows.Next()
}

func (r *lazyRows) Err() error {
	if r.Rows == nil {
		return r.err
	}
	return r.Rows.Err()
}

func (r *lazyRows) Close() {
	if r.Rows != nil {
		r.Rows.Close()
	}
}

// connect opens a connection to dsn, closed when t ends.
func connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
