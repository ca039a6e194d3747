package sqlrows_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
	"github.com/sluice-go/sluice/shard"
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

// keysetRows reads every row of table, in one keyset scan.
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

// shardSpec describes the sharder of table, in pages of page rows, for
// conformance.TestShards.
func shardSpec[T comparable](t *testing.T, db sqlrows.Querier, table sqlrows.Table, scan pgx.RowToFunc[T], page int) conformance.Shards[sqlrows.Row[T]] {
	t.Helper()
	s, err := sqlrows.NewKeysetSharder(db, table, scan, &sqlrows.KeysetOptions{PageSize: page})
	if err != nil {
		t.Fatal(err)
	}
	src := "sqlrows.keyset:" + table.From + ":" + strings.Join(table.Key, ",")
	tooMany := make([]string, len(table.Key)+1)
	return conformance.Shards[sqlrows.Row[T]]{
		Source: s,
		Want:   keysetRows(t, db, table, scan),
		Cursor: sqlrows.Row[T].Cursor,
		Equal:  rowEqual[T],
		BadShards: []shard.Shard{
			{Source: "sqlrows.keyset:" + table.From + ":another"},
			{Source: src, Start: "42"},
			{Source: src, End: "v2:AjQy"},
			{Source: src, Cursor: "v1:AjQ"},
			{Source: src, Start: keyCursor(tooMany...)},
		},
	}
}

// readAll opens sh and reads it to its end.
func readAll[T any](t *testing.T, s shard.Source[sqlrows.Row[T]], sh shard.Shard) ([]sqlrows.Row[T], error) {
	t.Helper()
	r, err := s.Open(sh)
	if err != nil {
		return nil, err
	}
	return collect(r.All(context.Background()))
}

// readShard is readAll that fails t on an error.
func readShard[T any](t *testing.T, s shard.Source[sqlrows.Row[T]], sh shard.Shard) []sqlrows.Row[T] {
	t.Helper()
	rows, err := readAll(t, s, sh)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// keyTexts returns the texts of the key a cursor holds (keyCursor's
// inverse).
func keyTexts(t *testing.T, c string) []string {
	t.Helper()
	key, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(c, "v1:"))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for len(key) > 0 {
		n, w := binary.Uvarint(key)
		texts = append(texts, string(key[w:w+int(n)]))
		key = key[w+int(n):]
	}
	return texts
}
