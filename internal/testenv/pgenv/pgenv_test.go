package pgenv_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }

// roundTrip creates a table on dsn, fills it and reads it back.
func roundTrip(t *testing.T, dsn string) {
	ctx := t.Context()
	conn := pgenv.Connect(t, dsn)
	if _, err := conn.Exec(ctx, `CREATE TABLE smoke (id int PRIMARY KEY, name text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"a", "b", "c"} {
		if _, err := conn.Exec(ctx, `INSERT INTO smoke VALUES ($1, $2)`, i, name); err != nil {
			t.Fatal(err)
		}
	}
	rows, _ := conn.Query(ctx, `SELECT name FROM smoke ORDER BY id`)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(got, want) {
		t.Errorf("read back %q, want %q", got, want)
	}
}

func TestPostgres(t *testing.T) {
	dsn := testenv.Postgres(t)
	// A temporary table, since the database is shared.
	conn := pgenv.Connect(t, dsn)
	if _, err := conn.Exec(t.Context(), `CREATE TEMP TABLE smoke (id int PRIMARY KEY, name text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	var version string
	if err := conn.QueryRow(t.Context(), `SHOW server_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	t.Logf("PostgreSQL %s at %s", version, dsn)
}

func TestDatabase(t *testing.T) {
	a, b := pgenv.Database(t), pgenv.Database(t)
	if a == b {
		t.Fatalf("Database returned %q twice", a)
	}
	// The same table name in both: the databases are apart.
	t.Run("a", func(t *testing.T) { roundTrip(t, a) })
	t.Run("b", func(t *testing.T) { roundTrip(t, b) })
}

func TestDatabaseLeakedConnection(t *testing.T) {
	var conn *pgx.Conn
	t.Run("leak", func(t *testing.T) {
		var err error
		conn, err = pgx.Connect(t.Context(), pgenv.Database(t))
		if err != nil {
			t.Fatal(err)
		}
	})
	// The subtest's cleanup dropped the database with the connection
	// still open, which ended it.
	defer conn.Close(context.Background())
	if err := conn.Ping(t.Context()); err == nil {
		t.Error("a connection to a dropped database still answers")
	}
}
