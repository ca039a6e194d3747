package sqlrows_test

import (
	"context"
	"iter"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// shardItemsSQL makes the table of keysetShardSource: 40 rows of items,
// analyzed, so that Split(3) cuts it at bounds of its histogram.
const shardItemsSQL = `
CREATE TABLE shard_items (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO shard_items SELECT i, 'item ' || i FROM generate_series(1, 40) AS i;
ANALYZE shard_items;`

// keysetShardSource describes the reader of the middle shard of a Split
// in three of shard_items, with a Start and an End, in pages of 3 rows.
// Fail and Stall read the same shard of the table with the condition that
// makes the fixture's keyset scans fail or stall at a row; After opens
// the shard with a Cursor.
//
// The fixture is made through plain, whose planner may scan and sort:
// with the costs of pool's, which disable both, PostgreSQL compiles the
// query of the statistics with its JIT, which takes seconds.
func keysetShardSource(t *testing.T, pool, plain *pgxpool.Pool) conformance.Source[sqlrows.Row[item]] {
	t.Helper()
	ctx := context.Background()
	if _, err := plain.Exec(ctx, shardItemsSQL); err != nil {
		t.Fatal(err)
	}
	const page = 3
	table := sqlrows.Table{From: "shard_items", Key: []string{"id"}}
	sharderOn := func(db sqlrows.Querier, t sqlrows.Table) *sqlrows.KeysetSharder[item] {
		s, err := sqlrows.NewKeysetSharder(db, t, scan, &sqlrows.KeysetOptions{PageSize: page})
		if err != nil {
			panic(err)
		}
		return s
	}
	sharder := func(t sqlrows.Table) *sqlrows.KeysetSharder[item] { return sharderOn(pool, t) }
	s := sharderOn(plain, table)
	shards, err := s.Split(ctx, 3)
	if err != nil || len(shards) != 3 {
		t.Fatalf("Split(3) = %d shards, %v; want 3", len(shards), err)
	}
	sh := shards[1]
	rows := readShard(t, s, sh)
	values := make([]item, len(rows))
	for i, r := range rows {
		values[i] = r.Value
	}
	if len(rows) < 3*page {
		t.Fatalf("the middle shard holds %d rows, want several pages", len(rows))
	}
	// A shard of t: the same positions, read with t's condition.
	read := func(ctx context.Context, t sqlrows.Table, sh shard.Shard) iter.Seq2[sqlrows.Row[item], error] {
		r, err := sharder(t).Open(sh)
		if err != nil {
			return sluice.Fail[sqlrows.Row[item]](err)
		}
		return r.All(ctx)
	}
	stream := func(ctx context.Context, t sqlrows.Table, sh shard.Shard, sopts *sluice.StreamOptions) (<-chan sqlrows.Row[item], func() error) {
		r, err := sharder(t).Open(sh)
		if err != nil {
			return sluice.FailedStream[sqlrows.Row[item]](err)
		}
		return shard.Stream(ctx, r, sopts)
	}
	// failing divides by zero at the shard's row k+1. After its last
	// row, k = len(values), it reads the shard widened to the row after
	// it, which fails: a reader never reads beyond its End, so no
	// condition could fail there.
	next := readShard(t, s, shards[2])
	failing := func(k int) (sqlrows.Table, shard.Shard) {
		u, at := table, sh
		u.Where, u.Args = "(id - $1) / (id - $1) = 1", []any{0}
		if k < len(values) {
			u.Args[0] = values[k].ID
		} else {
			u.Args[0], at.End = next[0].Value.ID, next[1].Cursor()
		}
		return u, at
	}
	after := func(c string) shard.Shard {
		at := sh
		at.Cursor = c
		return at
	}
	// The cursor of a row of the shard before, with a row between it and
	// Start: resuming after it would read that row.
	before := readShard(t, s, shards[0])
	return conformance.Source[sqlrows.Row[item]]{
		All: func(ctx context.Context) iter.Seq2[sqlrows.Row[item], error] {
			return read(ctx, table, sh)
		},
		Stream: func(ctx context.Context) (<-chan sqlrows.Row[item], func() error) {
			return stream(ctx, table, sh, nil)
		},
		Want:      rows,
		SingleUse: true,
		Equal:     rowEqual[item],
		Fail: func(ctx context.Context, k int, err error) iter.Seq2[sqlrows.Row[item], error] {
			u, at := failing(k)
			return divisionByZero(read(ctx, u, at), err)
		},
		StreamFail: func(ctx context.Context, k int, err error) (<-chan sqlrows.Row[item], func() error) {
			u, at := failing(k)
			ch, stop := stream(ctx, u, at, &sluice.StreamOptions{Buffer: 1})
			return streamDivisionByZero(ch, stop, err)
		},
		Stall: func(ctx context.Context, k int) iter.Seq2[sqlrows.Row[item], error] {
			return read(ctx, stallTable(table, values, k), sh)
		},
		StreamStall: func(ctx context.Context, k int) (<-chan sqlrows.Row[item], func() error) {
			return stream(ctx, stallTable(table, values, k), sh, nil)
		},
		Cursor: sqlrows.Row[item].Cursor,
		After: func(ctx context.Context, cursor string) iter.Seq2[sqlrows.Row[item], error] {
			return read(ctx, table, after(cursor))
		},
		PageSize: page,
		BadCursors: []string{
			"42",                                  // not a cursor
			"v2:" + rows[0].Cursor()[len("v1:"):], // another version
			"v1:!!!",                              // not base64
			"v1:AjQ",                              // a length of 2, then one byte
			"v1:",                                 // no key value
			keyCursor("1", "2"),                   // two key values
			keyCursor("x"),                        // a value an int column does not take
			before[len(before)-2].Cursor(),        // before Start
		},
		Open: func() int { return int(pool.Stat().AcquiredConns()) },
	}
}
