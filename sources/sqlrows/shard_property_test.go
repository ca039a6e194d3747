package sqlrows_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// propertyCases is how many random tables testShardProperty makes.
const propertyCases = 12

// testShardProperty checks, on random tables, that the shards of Split
// cover the scan exactly (every row once, in order, with its cursor) and
// that a reader split after a random number of rows, keeping a random
// part, yields with its residual exactly its rows. The tables vary in
// size (0 to 400 rows), key (one int column; an ICU text and an int; an
// expression and an int), skew (90% of the keys in a narrow range, or
// not), statistics (analyzed or not), what From is (the table, a
// subquery, a view), Where (none, or one with an argument), sampling (the
// whole table, or a sample of a few blocks) and page size.
func testShardProperty(t *testing.T, pool *pgxpool.Pool) {
	// A reader that reads its last page again and again fails, rather
	// than filling memory until the test binary's timeout.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for seed := range propertyCases {
		rng := rand.New(rand.NewPCG(uint64(seed), 15))
		name := fmt.Sprintf("prop_%d", seed)
		size := rng.IntN(401)
		skewed := rng.IntN(2) == 0
		analyzed := rng.IntN(2) == 0
		as, bs, vs := propertyRows(rng, size, skewed)
		setup := fmt.Sprintf(`
CREATE TABLE %[1]s (a text COLLATE "en-x-icu" NOT NULL, b int NOT NULL, v int NOT NULL, PRIMARY KEY (a, b), UNIQUE (v), UNIQUE (b, v))
	WITH (autovacuum_enabled = false);
CREATE VIEW %[1]s_view AS SELECT * FROM %[1]s;`, name)
		if _, err := pool.Exec(ctx, setup); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, "INSERT INTO "+name+" SELECT * FROM unnest($1::text[], $2::int[], $3::int[])", as, bs, vs); err != nil {
			t.Fatal(err)
		}
		if analyzed {
			if _, err := pool.Exec(ctx, "ANALYZE "+name); err != nil {
				t.Fatal(err)
			}
		}
		table := sqlrows.Table{Select: "v", Key: [][]string{{"v"}, {"a", "b"}, {"b / 7", "v"}}[seed%3]}
		table.From = []string{name, "(SELECT * FROM " + name + ") AS s", name + "_view"}[rng.IntN(3)]
		if rng.IntN(2) == 0 {
			table.Where, table.Args = "v % $1 <> 0", []any{3}
		}
		page := 1 + rng.IntN(8)
		desc := fmt.Sprintf("seed %d: %d rows, skewed %v, analyzed %v, %+v, pages of %d", seed, size, skewed, analyzed, table, page)
		func() {
			sampled := rng.IntN(2) == 0
			if sampled {
				defer sqlrows.SetSample(1+rng.IntN(20), 1, 1)()
				desc += ", sampled"
			}
			s, err := sqlrows.NewKeysetSharder(pool, table, pgx.RowTo[int32], &sqlrows.KeysetOptions{PageSize: page})
			if err != nil {
				t.Fatal(err)
			}
			want := keysetRows(t, pool, table, pgx.RowTo[int32])
			for _, n := range []int{1, 2, 1 + rng.IntN(24)} {
				// Read whole, or by a histogram of more buckets than n,
				// a table of m rows gives min(n, m) shards at least.
				least := 1
				if !sampled {
					least = min(n, len(want))
				}
				if err := checkCover(ctx, s, n, least, want); err != nil {
					t.Errorf("%s: %v", desc, err)
					return
				}
			}
			if err := checkLiveSplit(ctx, s, rng, want); err != nil {
				t.Errorf("%s: %v", desc, err)
			}
		}()
	}
}

// propertyRows returns the columns of size random rows: a (text of
// letters whose ICU and byte orders differ), b and v, with (a, b), v and
// (b, v) unique. When skewed, 90% of the rows have a = 'hot' and v in a
// range of their number.
func propertyRows(rng *rand.Rand, size int, skewed bool) ([]string, []int32, []int32) {
	letters := []string{"a", "B", "b", "é", "E", "z", "Z", " ", "-"}
	seen := map[int32]bool{}
	var as []string
	var bs, vs []int32
	for i := range size {
		v := int32(rng.IntN(1_000_000))
		a := ""
		for range rng.IntN(4) {
			a += letters[rng.IntN(len(letters))]
		}
		if skewed && rng.IntN(10) < 9 {
			v, a = int32(500_000+i), "hot"
		}
		for seen[v] {
			v++
		}
		seen[v] = true
		as, bs, vs = append(as, a), append(bs, int32(i)), append(vs, v)
	}
	return as, bs, vs
}

// checkCover reads the shards of s.Split(n), of which there must be at
// least least, one after the other and compares what they yield with
// want.
func checkCover(ctx context.Context, s *sqlrows.KeysetSharder[int32], n, least int, want []sqlrows.Row[int32]) error {
	shards, err := s.Split(ctx, n)
	if err != nil {
		return fmt.Errorf("Split(%d) = %w", n, err)
	}
	if len(shards) < max(1, least) || len(shards) > n || shards[0].Start != "" || shards[len(shards)-1].End != "" {
		return fmt.Errorf("Split(%d) gave %d shards, from %q to %q", n, len(shards), shards[0].Start, shards[len(shards)-1].End)
	}
	var got []sqlrows.Row[int32]
	for i, sh := range shards {
		if i > 0 && shards[i-1].End != sh.Start {
			return fmt.Errorf("Split(%d): shard %d ends at %q, shard %d starts at %q", n, i-1, shards[i-1].End, i, sh.Start)
		}
		rows, err := readRows(ctx, s, sh)
		if err != nil {
			return err
		}
		got = append(got, rows...)
	}
	return sameRows(fmt.Sprintf("the %d shards of Split(%d)", len(shards), n), got, want)
}

// checkLiveSplit opens a random shard of a random Split, reads a random
// number of its rows, splits it keeping a random part, reads the rest and
// then the residual, and compares with the shard's rows.
func checkLiveSplit(ctx context.Context, s *sqlrows.KeysetSharder[int32], rng *rand.Rand, want []sqlrows.Row[int32]) error {
	shards, err := s.Split(ctx, 1+rng.IntN(5))
	if err != nil {
		return err
	}
	sh := shards[rng.IntN(len(shards))]
	rows, err := readRows(ctx, s, sh)
	if err != nil {
		return err
	}
	k, keep := rng.IntN(len(rows)+1), []float64{0, 0.3, 0.5, 0.9}[rng.IntN(4)]
	r, err := s.Open(sh)
	if err != nil {
		return err
	}
	next, stop := iter.Pull2(r.All(ctx))
	defer stop()
	var got []sqlrows.Row[int32]
	pull := func() (bool, error) {
		row, err, ok := next()
		if ok && err == nil {
			got = append(got, row)
		}
		return ok && err == nil, err
	}
	for len(got) < k {
		if _, err := pull(); err != nil {
			return err
		}
	}
	res, err := r.Split(ctx, keep)
	switch {
	case errors.Is(err, shard.ErrNoSplit):
		if k < len(rows) {
			return fmt.Errorf("Split(%v) after %d of %d rows = %v, want a residual", keep, k, len(rows), err)
		}
	case err != nil:
		return err
	}
	for {
		ok, err := pull()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
	}
	if res.Source != "" {
		rest, err := readRows(ctx, s, res)
		if err != nil {
			return err
		}
		got = append(got, rest...)
	}
	return sameRows(fmt.Sprintf("a shard split after %d of its %d rows keeping %v, then its residual", k, len(rows), keep), got, rows)
}

func readRows(ctx context.Context, s *sqlrows.KeysetSharder[int32], sh shard.Shard) ([]sqlrows.Row[int32], error) {
	r, err := s.Open(sh)
	if err != nil {
		return nil, err
	}
	rows, err := collect(r.All(ctx))
	if err != nil {
		return nil, fmt.Errorf("shard %v: %w", sh, err)
	}
	return rows, nil
}

func sameRows(what string, got, want []sqlrows.Row[int32]) error {
	for i := 0; i < len(got) && i < len(want); i++ {
		if !rowEqual(got[i], want[i]) {
			return fmt.Errorf("%s: row %d = %v (%s), want %v (%s)", what, i, got[i].Value, got[i].Cursor(), want[i].Value, want[i].Cursor())
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	return nil
}
