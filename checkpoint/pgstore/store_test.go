package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/checkpoint"
	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
)

var (
	_ checkpoint.Store = (*pgstore.Store)(nil)
	_ pgstore.DB       = (*pgx.Conn)(nil)
	_ pgstore.DB       = pgx.Tx(nil)
	_ pgstore.DB       = (*pgxpool.Pool)(nil)
)

// The store works over a pool as over a connection.
func TestPool(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s := pgstore.New(pool, "checkpoints")
	if err := s.Save(ctx, "job", "k42"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "job"); err != nil || got != "k42" {
		t.Fatalf("Load = %q, %v; want k42", got, err)
	}
}

func tableExists(t *testing.T, conn *pgx.Conn, table string) bool {
	t.Helper()
	var ok bool
	if err := conn.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	conn := pgenv.Connect(t, pgenv.Database(t))
	s := pgstore.New(conn, "checkpoints")
	if tableExists(t, conn, `"checkpoints"`) {
		t.Fatal("table exists before first use")
	}
	if got, err := s.Load(ctx, "orders"); got != "" || err != nil {
		t.Fatalf(`Load(unsaved) = %q, %v, want "", nil`, got, err)
	}
	if !tableExists(t, conn, `"checkpoints"`) {
		t.Fatal("Load did not create the table")
	}
	for _, c := range []string{"k1", "k2", "", "line\nbreak 'quote' ☃"} {
		if err := s.Save(ctx, "orders", c); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Load(ctx, "orders"); got != c || err != nil {
			t.Fatalf("Load after Save(%q) = %q, %v", c, got, err)
		}
	}
	if err := s.Save(ctx, "other", "o"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM checkpoints WHERE updated_at <= now()`).Scan(&n); err != nil || n != 2 {
		t.Errorf("rows = %d, %v, want 2", n, err)
	}
	// A second store over the existing table sees the same rows.
	if got, err := pgstore.New(conn, "checkpoints").Load(ctx, "orders"); got != "line\nbreak 'quote' ☃" || err != nil {
		t.Errorf("Load from a new store = %q, %v", got, err)
	}
}

func TestCreatedOnSave(t *testing.T) {
	ctx := context.Background()
	conn := pgenv.Connect(t, pgenv.Database(t))
	if _, err := conn.Exec(ctx, `CREATE SCHEMA sl`); err != nil {
		t.Fatal(err)
	}
	s := pgstore.New(conn, "sl.Mixed Case")
	if s.Table() != `"sl"."Mixed Case"` {
		t.Errorf("Table() = %s", s.Table())
	}
	if err := s.Save(ctx, "a", "1"); err != nil {
		t.Fatal(err)
	}
	if !tableExists(t, conn, `sl."Mixed Case"`) {
		t.Fatal("Save did not create the table")
	}
	// Dropped behind the store's back: created again.
	if _, err := conn.Exec(ctx, `DROP TABLE sl."Mixed Case"`); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "a"); got != "" || err != nil {
		t.Errorf(`Load after drop = %q, %v, want "", nil`, got, err)
	}
	if err := s.Save(ctx, "a", "2"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "a"); got != "2" || err != nil {
		t.Errorf("Load = %q, %v, want 2", got, err)
	}
}

func TestSaveTx(t *testing.T) {
	ctx := context.Background()
	dsn := pgenv.Database(t)
	conn := pgenv.Connect(t, dsn)
	other := pgenv.Connect(t, dsn)
	s := pgstore.New(other, "cp")
	if _, err := conn.Exec(ctx, `CREATE TABLE data (k int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, "load", "old"); err != nil {
		t.Fatal(err)
	}

	// Rolled back: neither the batch nor the cursor.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO data SELECT generate_series(1, 10)`); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveTx(ctx, tx, "load", "new"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Load(ctx, "load"); got != "old" {
		t.Errorf("Load before commit, from another connection = %q, want old", got)
	}
	if got, err := pgstore.New(tx, "cp").Load(ctx, "load"); got != "new" || err != nil {
		t.Errorf("Load inside the tx = %q, %v, want new", got, err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "load"); got != "old" || err != nil {
		t.Errorf("Load after rollback = %q, %v, want old", got, err)
	}

	// Committed: both.
	tx, err = conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO data SELECT generate_series(1, 10)`); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveTx(ctx, tx, "load", "new"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := other.QueryRow(ctx, `SELECT count(*) FROM data`).Scan(&n); err != nil || n != 10 {
		t.Errorf("rows after commit = %d, %v, want 10", n, err)
	}
	if got, err := s.Load(ctx, "load"); got != "new" || err != nil {
		t.Errorf("Load after commit = %q, %v, want new", got, err)
	}
}

// The table is created on demand even when the first use is SaveTx on a
// store whose db is the very connection the transaction runs on, and a
// rollback of that transaction (which drops the table again) is survived.
func TestSaveTxSameConnection(t *testing.T) {
	ctx := context.Background()
	conn := pgenv.Connect(t, pgenv.Database(t))
	s := pgstore.New(conn, "cp")
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveTx(ctx, tx, "n", "c1"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "n"); got != "" || err != nil {
		t.Errorf(`Load after rollback = %q, %v, want "", nil`, got, err)
	}
	tx, err = conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveTx(ctx, tx, "n", "c2"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "n"); got != "c2" || err != nil {
		t.Errorf("Load after commit = %q, %v, want c2", got, err)
	}
}

// Concurrent stores on connections of their own (pgxpool is not in this
// module's go.sum): each creating the table on demand, each saving its own
// name and one shared name; the last commit wins.
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	dsn := pgenv.Database(t)
	const workers = 8
	conns := make([]*pgx.Conn, workers)
	for i := range conns {
		conns[i] = pgenv.Connect(t, dsn)
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := pgstore.New(conns[i], "cp")
			name := string(rune('a' + i))
			for j := range 20 {
				if err := s.Save(ctx, name, strings.Repeat("x", j)); err != nil {
					errs <- err
					return
				}
				if err := s.Save(ctx, "shared", name); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s := pgstore.New(conns[0], "cp")
	for i := range workers {
		if got, err := s.Load(ctx, string(rune('a'+i))); got != strings.Repeat("x", 19) || err != nil {
			t.Errorf("Load(%c) = %q, %v", 'a'+i, got, err)
		}
	}
	if got, err := s.Load(ctx, "shared"); len(got) != 1 || err != nil {
		t.Errorf("Load(shared) = %q, %v, want one of the writers", got, err)
	}
}

func TestInvalid(t *testing.T) {
	ctx := context.Background()
	conn := pgenv.Connect(t, pgenv.Database(t))
	for _, table := range []string{"", ".", "a.", ".b", "a.b.c", "nul\x00", "\xff"} {
		s := pgstore.New(conn, table)
		if _, err := s.Load(ctx, "n"); err == nil || !strings.HasPrefix(err.Error(), "pgstore: invalid table name") {
			t.Errorf("New(%q).Load = %v, want invalid table name", table, err)
		}
		if err := s.Save(ctx, "n", "c"); err == nil || !strings.HasPrefix(err.Error(), "pgstore: invalid table name") {
			t.Errorf("New(%q).Save = %v, want invalid table name", table, err)
		}
	}
	// A hostile name is quoted, not executed.
	s := pgstore.New(conn, `x"; DROP TABLE y; --`)
	if err := s.Save(ctx, "n", "c"); err != nil {
		t.Fatal(err)
	}
	if !tableExists(t, conn, `"x""; DROP TABLE y; --"`) {
		t.Error("quoted table not created")
	}

	s = pgstore.New(conn, "cp")
	for _, name := range []string{"", "nul\x00", "\xff"} {
		// Like every store's, wrapping checkpoint.ErrInvalidName, in
		// this package's words.
		want := fmt.Sprintf("pgstore: invalid name %q: ", name)
		if err := s.Save(ctx, name, "c"); !errors.Is(err, checkpoint.ErrInvalidName) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Save(%q) = %v, want ErrInvalidName, %s…", name, err, want)
		}
		if _, err := s.Load(ctx, name); !errors.Is(err, checkpoint.ErrInvalidName) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Load(%q) = %v, want ErrInvalidName, %s…", name, err, want)
		}
	}
	for _, cursor := range []string{"nul\x00", "\xff"} {
		if err := s.Save(ctx, "n", cursor); err == nil || !strings.HasPrefix(err.Error(), "pgstore: save n: cursor") {
			t.Errorf("Save(cursor %q) = %v, want a cursor error", cursor, err)
		}
	}

	// pgx's errors stay reachable.
	ctxCanceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := pgstore.New(conn, "cp2").Save(ctxCanceled, "n", "c"); err == nil || !strings.HasPrefix(err.Error(), "pgstore: save n to \"cp2\": ") {
		t.Errorf("Save(canceled) = %v", err)
	}
	err := pgstore.New(conn, "noschema.cp").Save(ctx, "n", "c")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "3F000" || !strings.HasPrefix(err.Error(), `pgstore: save n to "noschema"."cp": create table: `) {
		t.Errorf("Save in a missing schema = %v, want a *pgconn.PgError 3F000", err)
	}
}
