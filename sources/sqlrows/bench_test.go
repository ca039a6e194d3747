package sqlrows_test

import (
	"context"
	"io"
	"iter"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/internal/channelbench"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// benchRows is the size of the benchmark table: the 10^6 rows of the
// issue's targets.
const benchRows = 1_000_000

// BenchmarkRead reads the benchmark table, (id int, name text) with 10^6
// rows, over one connection, in order of id, each way in one run:
//
//   - raw: the baseline, one query and a rows.Next/Scan loop;
//   - sqlrows: All over the same query, scanning the same way;
//   - keyset-10k: Keyset in pages of 10000 rows;
//   - rawpages: the same pages by hand, a query and a rows.Next/Scan loop
//     each, with no cursors: what paging itself costs;
//   - copy: COPY (the query) TO STDOUT into io.Discard, no decoding at
//     all: the practical limit.
//
// See BENCHMARKS.md for how to run and compare them.
func BenchmarkRead(b *testing.B) {
	ctx := context.Background()
	dsn := database(b, benchRows)
	conn := connect(b, dsn)
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE items"); err != nil {
		b.Fatal(err)
	}
	const query = "SELECT id, name FROM items ORDER BY id"
	scanIt := func(row pgx.CollectableRow) (item, error) {
		var it item
		err := row.Scan(&it.ID, &it.Name)
		return it, err
	}
	check := func(b *testing.B, n int, last item) {
		if n != benchRows || last.ID != benchRows {
			b.Fatalf("read %d rows, the last %v; want %d", n, last, benchRows)
		}
	}
	run := func(name string, read func(b *testing.B)) {
		b.Run("impl="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				read(b)
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}

	run("raw", func(b *testing.B) {
		rows, err := conn.Query(ctx, query)
		if err != nil {
			b.Fatal(err)
		}
		n, last := 0, item{}
		for rows.Next() {
			var it item // as the scan function of the others does
			if err := rows.Scan(&it.ID, &it.Name); err != nil {
				b.Fatal(err)
			}
			n, last = n+1, it
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		check(b, n, last)
	})
	run("sqlrows", func(b *testing.B) {
		n, last := 0, item{}
		for it, err := range sqlrows.All(ctx, conn, query, nil, scanIt) {
			if err != nil {
				b.Fatal(err)
			}
			n, last = n+1, it
		}
		check(b, n, last)
	})
	run("keyset-10k", func(b *testing.B) {
		table := sqlrows.Table{From: "items", Select: "id, name", Key: []string{"id"}}
		n, last := 0, item{}
		for r, err := range sqlrows.Keyset(ctx, conn, table, scanIt, &sqlrows.KeysetOptions{PageSize: 10000}) {
			if err != nil {
				b.Fatal(err)
			}
			n, last = n+1, r.Value
		}
		check(b, n, last)
	})
	run("rawpages", func(b *testing.B) {
		n, last := 0, item{}
		for {
			rows, err := conn.Query(ctx, "SELECT id, name FROM items WHERE id > $1 ORDER BY id LIMIT 10000", last.ID)
			if err != nil {
				b.Fatal(err)
			}
			k := 0
			for rows.Next() {
				var it item
				if err := rows.Scan(&it.ID, &it.Name); err != nil {
					b.Fatal(err)
				}
				k, last = k+1, it
			}
			n += k
			if k < 10000 {
				break
			}
		}
		check(b, n, last)
	})
	run("copy", func(b *testing.B) {
		tag, err := conn.PgConn().CopyTo(ctx, io.Discard, "COPY ("+query+") TO STDOUT")
		if err != nil {
			b.Fatal(err)
		}
		if tag.RowsAffected() != benchRows {
			b.Fatalf("COPY wrote %d rows, want %d", tag.RowsAffected(), benchRows)
		}
	})
}

// BenchmarkChannel measures issue 12 for sqlrows: the recommended channel
// form, sluice.StreamBatches over the iterator, beside the iterator, on
// the table of BenchmarkRead (10^6 rows, read over one connection), for
// All over one query and for Keyset in pages of 10000 rows (its values
// are sqlrows.Row, with their cursors). Every consumer does the same
// trivial work per row (adds up the length of its name); benchstat -col
// /impl puts the forms side by side. It reports ns/row besides the time
// of a whole read.
func BenchmarkChannel(b *testing.B) {
	ctx := context.Background()
	dsn := database(b, benchRows)
	conn := connect(b, dsn)
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE items"); err != nil {
		b.Fatal(err)
	}
	scanIt := func(row pgx.CollectableRow) (item, error) {
		var it item
		err := row.Scan(&it.ID, &it.Name)
		return it, err
	}
	b.Run("src=All", func(b *testing.B) {
		channelbench.Run(b, "row", benchRows, func(ctx context.Context) iter.Seq2[item, error] {
			return sqlrows.All(ctx, conn, "SELECT id, name FROM items ORDER BY id", nil, scanIt)
		}, func(it item) int { return len(it.Name) })
	})
	b.Run("src=Keyset", func(b *testing.B) {
		table := sqlrows.Table{From: "items", Select: "id, name", Key: []string{"id"}}
		opts := &sqlrows.KeysetOptions{PageSize: 10000}
		channelbench.Run(b, "row", benchRows, func(ctx context.Context) iter.Seq2[sqlrows.Row[item], error] {
			return sqlrows.Keyset(ctx, conn, table, scanIt, opts)
		}, func(r sqlrows.Row[item]) int { return len(r.Value.Name) })
	})
}
