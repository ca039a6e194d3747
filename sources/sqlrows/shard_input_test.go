package sqlrows_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// TestKeysetSharderInput checks that NewKeysetSharder, Split, Open and a
// reader's Split refuse bad input with an error that says what is wrong,
// before any query: the database is one that panics when queried.
func TestKeysetSharderInput(t *testing.T) {
	ctx := context.Background()
	db := &pgxNilQuerier{}
	table := sqlrows.Table{From: "items", Key: []string{"id", "name"}}
	for _, tc := range []struct {
		name  string
		db    sqlrows.Querier
		table sqlrows.Table
		scan  pgx.RowToFunc[item]
		opts  *sqlrows.KeysetOptions
		want  string
	}{
		{"nil db", nil, table, scan, nil, "sqlrows: nil database"},
		{"nil scan", db, table, nil, nil, "sqlrows: nil scan function"},
		{"no From", db, sqlrows.Table{Key: []string{"id"}}, scan, nil, "Table.From is empty"},
		{"no Key", db, sqlrows.Table{From: "items"}, scan, nil, "Table.Key lists no column"},
		{"blank key column", db, sqlrows.Table{From: "items", Key: []string{"id", " "}}, scan, nil, `Table.Key[1] is " "`},
		{"negative PageSize", db, table, scan, &sqlrows.KeysetOptions{PageSize: -1}, "PageSize is -1"},
		{"After", db, table, scan, &sqlrows.KeysetOptions{After: keyCursor("1", "a")}, "KeysetOptions.After is set for a sharder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sqlrows.NewKeysetSharder(tc.db, tc.table, tc.scan, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) || s != nil {
				t.Errorf("NewKeysetSharder = %v, %v; want nil and an error containing %q", s, err, tc.want)
			}
		})
	}

	s, err := sqlrows.NewKeysetSharder(db, table, scan, &sqlrows.KeysetOptions{PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, -1} {
		if shards, err := s.Split(ctx, n); err == nil || !strings.Contains(err.Error(), "want 1 shard or more") {
			t.Errorf("Split(%d) = %v, %v; want an error", n, shards, err)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Split(canceled, 2); !errors.Is(err, context.Canceled) {
		t.Errorf("Split with a canceled ctx = %v, want context.Canceled", err)
	}
	// Split in one needs nothing of the database: the whole key.
	shards, err := s.Split(ctx, 1)
	if err != nil || len(shards) != 1 || shards[0] != (shard.Shard{Source: "sqlrows.keyset:items:id,name"}) {
		t.Fatalf("Split(1) = %+v, %v; want the whole key", shards, err)
	}

	src := shards[0].Source
	good := keyCursor("1", "a")
	for _, tc := range []struct {
		name string
		sh   shard.Shard
		want string // besides ErrBadShard
		pos  bool   // a bad position: ErrBadCursor too
	}{
		{"no source", shard.Shard{}, `its source is ""`, false},
		{"another source", shard.Shard{Source: "sqlrows.keyset:items:id"}, `its source is "sqlrows.keyset:items:id"`, false},
		{"Start not a cursor", shard.Shard{Source: src, Start: "42"}, "its Start: sqlrows: bad cursor", true},
		{"End of another version", shard.Shard{Source: src, Start: good, End: "v2:AjQy"}, "its End: sqlrows: bad cursor", true},
		{"Cursor truncated", shard.Shard{Source: src, Cursor: "v1:AjQ"}, "its Cursor: sqlrows: bad cursor", true},
		{"Start of one value", shard.Shard{Source: src, Start: keyCursor("1")}, "holds 1 key values; Table.Key has 2", true},
		{"End of three values", shard.Shard{Source: src, End: keyCursor("1", "a", "b")}, "holds 3 key values", true},
	} {
		t.Run("Open/"+tc.name, func(t *testing.T) {
			r, err := s.Open(tc.sh)
			if r != nil || !errors.Is(err, shard.ErrBadShard) || errors.Is(err, sqlrows.ErrBadCursor) != tc.pos || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open(%+v) = %v, %v; want an error wrapping ErrBadShard (and ErrBadCursor: %v) containing %q", tc.sh, r, err, tc.pos, tc.want)
			}
		})
	}

	r, err := s.Open(shard.Shard{Source: src, Start: good, Cursor: keyCursor("2", "b")})
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []float64{-0.1, 1, 1.5, math.NaN(), math.Inf(1)} {
		if res, err := r.Split(ctx, keep); err == nil || errors.Is(err, shard.ErrNoSplit) || !strings.Contains(err.Error(), "want 0 <= keep < 1") {
			t.Errorf("Split(ctx, %v) = %v, %v; want an error saying what keep must be", keep, res, err)
		}
	}
	if got := r.Shard(); got != (shard.Shard{Source: src, Start: good, Cursor: keyCursor("2", "b")}) {
		t.Errorf("Shard() before any read = %+v, want the shard opened", got)
	}
}
