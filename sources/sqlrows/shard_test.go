package sqlrows_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// shardDB creates a database, runs setup in it, and returns a pool on it.
func shardDB(t *testing.T, setup string) *pgxpool.Pool {
	t.Helper()
	dsn := pgenv.Database(t)
	conn := pgenv.Connect(t, dsn)
	if _, err := conn.Exec(context.Background(), setup); err != nil {
		t.Fatal(err)
	}
	return newPool(t, dsn)
}

// keysetRows reads every row of t, in one keyset scan.
func keysetRows[T any](t *testing.T, db sqlrows.Querier, table sqlrows.Table, scan pgx.RowToFunc[T]) []sqlrows.Row[T] {
	t.Helper()
	var rows []sqlrows.Row[T]
	for r, err := range sqlrows.Keyset(context.Background(), db, table, scan, nil) {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return rows
}

func rowEqual[T comparable](a, b sqlrows.Row[T]) bool {
	return a.Value == b.Value && a.Cursor() == b.Cursor()
}

func shardSpec[T comparable](t *testing.T, db sqlrows.Querier, table sqlrows.Table, scan pgx.RowToFunc[T], page int) conformance.Shards[sqlrows.Row[T]] {
	t.Helper()
	s, err := sqlrows.NewKeysetSharder(db, table, scan, &sqlrows.KeysetOptions{PageSize: page})
	if err != nil {
		t.Fatal(err)
	}
	return conformance.Shards[sqlrows.Row[T]]{
		Source: s,
		Want:   keysetRows(t, db, table, scan),
		Cursor: sqlrows.Row[T].Cursor,
		Equal:  rowEqual[T],
	}
}

func TestKeysetShardsSingleKey(t *testing.T) {
	pool := shardDB(t, `
CREATE TABLE single (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO single SELECT i * 3, 'row ' || i FROM generate_series(1, 200) AS i;
ANALYZE single;`)
	table := sqlrows.Table{From: "single", Select: "name", Key: []string{"id"}}
	conformance.TestShards(t, shardSpec(t, pool, table, pgx.RowTo[string], 7), nil)
}

func TestKeysetShardsCompositeKey(t *testing.T) {
	// grp is ordered by an ICU collation, in which 'a' < 'B' < 'b' < 'C':
	// byte order ('B' < 'C' < 'a' < 'b') would cut the key wrongly. The
	// database's own collation is C (see the report), so sub, a text
	// column of the default collation, is byte-ordered.
	pool := shardDB(t, `
CREATE TABLE composite (grp text COLLATE "en-x-icu" NOT NULL, sub text NOT NULL, n int NOT NULL, PRIMARY KEY (grp, sub, n));
INSERT INTO composite
SELECT (ARRAY['a', 'B', 'b', 'C', 'é', 'E', 'z', 'Z'])[1 + i % 8], (ARRAY['x', 'Y', 'y', ''])[1 + i / 8 % 4], i
FROM generate_series(1, 240) AS i;
ANALYZE composite;`)
	table := sqlrows.Table{From: "composite", Select: "n", Key: []string{"grp", "sub", "n"}}
	conformance.TestShards(t, shardSpec(t, pool, table, pgx.RowTo[int32], 5), nil)
}
