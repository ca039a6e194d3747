// Package pgenv gives tests a PostgreSQL database of their own on the
// cluster of package testenv. It is separate from testenv so that tests
// needing only S3 do not compile pgx.
//
// It compiles github.com/jackc/pgx/v5 and what it requires.
package pgenv

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/internal/testenv"
)

var seq atomic.Int64

// Database creates a new, empty database on the cluster of
// [testenv.Postgres] and returns its connection string, in the same form
// (URL or key=value) as testenv's. The cluster is shared by every package
// of a ./test.sh run, all running at once, so a database of its own keeps a
// test's tables apart from everyone else's. The database is dropped when
// tb's test ends, after closing any connections still open to it.
//
// It skips or fails tb as testenv.Postgres does when there is no cluster.
func Database(tb testing.TB) string {
	tb.Helper()
	admin := testenv.Postgres(tb)
	name := fmt.Sprintf("sluice_test_%x_%d", time.Now().UnixNano(), seq.Add(1))
	exec(tb, admin, "CREATE DATABASE "+name)
	tb.Cleanup(func() {
		// FORCE (PostgreSQL 13+) ends the connections a test leaked.
		exec(tb, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	dsn, err := withDatabase(admin, name)
	if err != nil {
		tb.Fatalf("pgenv: %v", err)
	}
	return dsn
}

// Connect opens a connection to dsn that is closed when tb's test ends.
func Connect(tb testing.TB, dsn string) *pgx.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("pgenv: connecting: %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// exec runs one statement on a connection of its own.
func exec(tb testing.TB, dsn, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("pgenv: connecting to run %q: %v", sql, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("pgenv: %s: %v", sql, err)
	}
}

// withDatabase returns dsn with its database replaced by name.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parsing the PostgreSQL connection string: %v", err)
		}
		u.Path = "/" + name
		q := u.Query()
		q.Del("dbname") // a query parameter would override the path
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	// key=value form: a later setting overrides an earlier one.
	return dsn + " dbname=" + name, nil
}

// WaitAlone waits until conn's database has no session but conn's own,
// and fails tb if that takes more than 30 seconds. A test that killed a
// process using the database calls it before starting another: until
// PostgreSQL has noticed the kill and ended the session, its transaction,
// and a COMMIT sent just before the kill, may still land.
func WaitAlone(tb testing.TB, conn *pgx.Conn) {
	tb.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		var n int
		err := conn.QueryRow(context.Background(),
			"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()").Scan(&n)
		if err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d sessions of killed processes still open after 30s", n)
		}
		time.Sleep(time.Millisecond)
	}
}
