package sqlrows_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// shardFixture holds the tables of TestKeysetShards, in one database: a
// database of its own costs a test about two seconds.
//
// The database's collation is C (CREATE DATABASE copies template1's, C on
// the test command's cluster), in which text sorts as Go sorts strings, so
// the composite table's first column is ordered by an ICU collation
// instead, where 'a' < 'B' < 'b' < 'C' < 'é' < 'z' < 'Z': a cut point
// compared or sorted in Go would overlap or leave a gap. Its second column
// keeps the database's collation.
const shardFixture = `
CREATE TABLE single (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO single SELECT i * 3, 'row ' || i FROM generate_series(1, 200) AS i;

CREATE TABLE composite (grp text COLLATE "en-x-icu" NOT NULL, sub text NOT NULL, n int NOT NULL, PRIMARY KEY (grp, sub, n));
INSERT INTO composite
SELECT (ARRAY['a', 'B', 'b', 'C', 'é', 'E', 'z', 'Z'])[1 + i % 8], (ARRAY['x', 'Y', 'y', ''])[1 + i / 8 % 4], i
FROM generate_series(1, 240) AS i;

-- 90% of the keys share the prefix hot/, a narrow range of the key.
CREATE TABLE skewed (k text PRIMARY KEY, n int NOT NULL);
INSERT INTO skewed SELECT 'hot/' || lpad(i::text, 4, '0'), i FROM generate_series(1, 270) AS i;
INSERT INTO skewed SELECT chr(97 + i % 26) || '/' || i, 1000 + i FROM generate_series(1, 30) AS i;

ANALYZE single, composite, skewed;

-- Never analyzed: no pg_stats, no reltuples. Rows of about 200 bytes, so
-- that a sample of its blocks is a sample of its rows.
CREATE TABLE nostats (a int NOT NULL, b text NOT NULL, pad text NOT NULL, PRIMARY KEY (a, b))
	WITH (autovacuum_enabled = false);
INSERT INTO nostats SELECT i % 17, md5(i::text), repeat('x', 200) FROM generate_series(1, 300) AS i;
CREATE VIEW nostats_view AS SELECT * FROM nostats;
`

// TestKeysetShards runs conformance.TestShards on a table keyed by one
// column, cut by its statistics; by three columns, one of them text of an
// ICU collation; by a skewed text key, in pages of 2; and on a table
// without statistics, sampled.
func TestKeysetShards(t *testing.T) {
	pool := shardDB(t, shardFixture)
	ctx := context.Background()

	t.Run("SingleKey", func(t *testing.T) {
		table := sqlrows.Table{From: "single", Select: "name", Key: []string{"id"}}
		spec := shardSpec(t, pool, table, pgx.RowTo[string], 7)
		conformance.TestShards(t, spec, nil)

		// The cut points are bounds of the column's histogram: Split
		// read the statistics, not the table.
		var bounds []string
		err := pool.QueryRow(ctx, "SELECT histogram_bounds::text::text[] FROM pg_stats WHERE tablename = 'single' AND attname = 'id'").Scan(&bounds)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cutTexts(t, spec.Source, 5) {
			if !slices.Contains(bounds, c[0]) {
				t.Errorf("cut point %q is not a bound of the histogram %v", c, bounds)
			}
		}
		// So are those of the key named in capitals, unquoted, and not
		// selected: PostgreSQL folds it to id, and so must the look-up
		// of its statistics.
		upper, err := sqlrows.NewKeysetSharder(pool, sqlrows.Table{From: "single", Select: "name", Key: []string{"ID"}}, pgx.RowTo[string], nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cutTexts(t, upper, 5) {
			if !slices.Contains(bounds, c[0]) {
				t.Errorf("key ID: cut point %q is not a bound of the histogram %v", c, bounds)
			}
		}

		// A reader split keeping half of its rest keeps half, of a rest
		// counted (exactly) or estimated by the planner (about).
		for _, counted := range []int64{10000, 20} {
			func() {
				defer sqlrows.SetSplitCount(counted)()
				kept, rest := splitKeeping(t, spec.Source, 10, 0.5)
				if want := rest / 2; counted > int64(rest) && kept != want || kept < want*3/4 || kept > want*5/4 {
					t.Errorf("counting %d rows at most, a reader split after 10 rows keeping 0.5 of %d kept %d", counted, rest, kept)
				}
			}()
		}
	})

	t.Run("CompositeKey", func(t *testing.T) {
		table := sqlrows.Table{From: "composite", Select: "n", Key: []string{"grp", "sub", "n"}}
		spec := shardSpec(t, pool, table, pgx.RowTo[int32], 5)
		conformance.TestShards(t, spec, nil)
		// The ICU order is the one read, not Go's.
		first := make([]string, 0, 8)
		for _, c := range cutTexts(t, spec.Source, 16) {
			if len(first) == 0 || first[len(first)-1] != c[0] {
				first = append(first, c[0])
			}
		}
		if slices.IsSorted(first) {
			t.Errorf("the cut points' first columns %q are in Go's order: the ICU collation was not used", first)
		}
	})

	t.Run("Skewed", func(t *testing.T) {
		table := sqlrows.Table{From: "skewed", Select: "n", Key: []string{"k"}}
		spec := shardSpec(t, pool, table, pgx.RowTo[int32], 2)
		conformance.TestShards(t, spec, nil)
		// Cut by the rows, not by the range of the key: the hot prefix
		// is spread over several shards, none holds much more than its
		// part.
		shards, err := spec.Source.Split(ctx, 4)
		if err != nil {
			t.Fatal(err)
		}
		share := len(spec.Want) / len(shards)
		for i, sh := range shards {
			if n := len(readShard(t, spec.Source, sh)); n < share/2 || n > share*3/2 {
				t.Errorf("shard %d of %d holds %d rows of %d, want about %d", i, len(shards), n, len(spec.Want), share)
			}
		}
		if len(shards) < 3 {
			t.Errorf("Split(4) of the skewed table gave %d shards, want 3 or 4", len(shards))
		}
	})

	t.Run("NoStatistics", func(t *testing.T) {
		// Samples of a few blocks: the TABLESAMPLE path, on a table too
		// small for it otherwise.
		defer sqlrows.SetSample(40, 2, 2)()
		table := sqlrows.Table{From: "nostats", Select: "b", Key: []string{"a", "b"}}
		spec := shardSpec(t, pool, table, pgx.RowTo[string], 9)
		conformance.TestShards(t, spec, nil)
		// A sample of about 40 rows of 300 has 4 distinct quantiles,
		// whether drawn by TABLESAMPLE or, for a view or a subquery,
		// by random(): an empty sample would give one shard.
		for _, from := range []string{"nostats", "nostats_view", "(SELECT * FROM nostats) AS s"} {
			table.From = from
			s, err := sqlrows.NewKeysetSharder(pool, table, pgx.RowTo[string], nil)
			if err != nil {
				t.Fatal(err)
			}
			if shards, err := s.Split(ctx, 4); err != nil || len(shards) < 2 {
				t.Errorf("Split(4) of %s, sampled = %d shards, %v; want 2 to 4", from, len(shards), err)
			}
		}
	})

	t.Run("Property", func(t *testing.T) { testShardProperty(t, pool) })

	t.Run("CursorBeforeStart", func(t *testing.T) {
		s, err := sqlrows.NewKeysetSharder(pool, sqlrows.Table{From: "single", Select: "name", Key: []string{"id"}}, pgx.RowTo[string], nil)
		if err != nil {
			t.Fatal(err)
		}
		shards, err := s.Split(ctx, 3)
		if err != nil || len(shards) != 3 {
			t.Fatalf("Split(3) = %d shards, %v", len(shards), err)
		}
		before := readShard(t, s, shards[0])
		sh := shards[1]
		sh.Cursor = before[len(before)/2].Cursor()
		got, err := readAll(t, s, sh)
		if len(got) != 0 || !errors.Is(err, shard.ErrBadShard) || !errors.Is(err, sqlrows.ErrBadCursor) {
			t.Errorf("a shard whose Cursor lies before its Start read %d rows and %v; want no row and an error wrapping ErrBadShard and ErrBadCursor", len(got), err)
		}

		// Positions well formed, but with a value the key's column does
		// not take: the server refuses it, and the error names it.
		x := keyCursor("x")
		for _, tc := range []struct {
			sh    shard.Shard
			want  string
			split bool // a reader's Split uses the bad bound
		}{
			{shard.Shard{Source: sh.Source, Start: x}, "its Start", true},
			{shard.Shard{Source: sh.Source, End: x}, "its End", true},
			{shard.Shard{Source: sh.Source, Start: sh.Start, End: x}, "its End", true},
			{shard.Shard{Source: sh.Source, Start: sh.Start, Cursor: x}, "its Cursor", true},
			// Only All's first page compares Cursor with Start.
			{shard.Shard{Source: sh.Source, Start: x, Cursor: sh.Cursor}, "its Start", false},
		} {
			got, err := readAll(t, s, tc.sh)
			if len(got) != 0 || !errors.Is(err, shard.ErrBadShard) || !errors.Is(err, sqlrows.ErrBadCursor) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("shard %+v read %d rows and %v; want no row and an error wrapping ErrBadShard and ErrBadCursor about %s", tc.sh, len(got), err, tc.want)
			}
			r, err := s.Open(tc.sh)
			if err != nil {
				t.Fatal(err)
			}
			if res, err := r.Split(ctx, 0); tc.split && !errors.Is(err, shard.ErrBadShard) {
				t.Errorf("Split of a reader of shard %+v = %v, %v; want an error wrapping ErrBadShard", tc.sh, res, err)
			}
		}
	})
}

// cutTexts returns the texts of the cut points of s.Split(n).
func cutTexts[T any](t *testing.T, s shard.Source[sqlrows.Row[T]], n int) [][]string {
	t.Helper()
	shards, err := s.Split(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	var cuts [][]string
	for _, sh := range shards[1:] {
		cuts = append(cuts, keyTexts(t, sh.Start))
	}
	return cuts
}

// splitKeeping opens the whole of s, reads k rows, splits the reader
// keeping keep of the rest, and returns how many rows the reader then
// yields, and how many were left after the k.
func splitKeeping[T any](t *testing.T, s shard.Source[sqlrows.Row[T]], k int, keep float64) (kept, rest int) {
	t.Helper()
	ctx := context.Background()
	whole, err := s.Split(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	all := readShard(t, s, whole[0])
	r, err := s.Open(whole[0])
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range r.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == k {
			if _, err := r.Split(ctx, keep); err != nil {
				t.Fatal(err)
			}
		}
	}
	return n - k, len(all) - k
}
