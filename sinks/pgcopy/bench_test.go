package pgcopy_test

import (
	"context"
	"iter"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
	"github.com/sluice-go/sluice/sinks/pgcopy"
)

const (
	benchRows        = 1_000_000 // per iteration of the COPY variants
	benchBatchedRows = 100_000   // per transaction of copyfrom-batched: pgcopy's default batch
	benchInsertRows  = 2_000     // per iteration of row-by-row INSERT, which is slow
)

type benchRow struct {
	ID   int64
	Name string
	N    int32
}

func (r benchRow) Cursor() string { return strconv.FormatInt(r.ID, 10) }

func benchValues(r benchRow) ([]any, error) { return []any{r.ID, r.Name, r.N}, nil }

// BenchmarkCopy writes rows of (id bigint, name text, n int) into a table
// in six ways: impl=copyfrom, one raw pgx CopyFrom of all the rows in one
// transaction (the baseline); impl=copyfrom-batched, raw CopyFroms of
// 100000 rows each in a transaction of its own (the baseline cut as
// pgcopy cuts it by default, which tells the cost of batching from the
// cost of pgcopy); impl=pgcopy, a Sink's Write of the same rows from an
// iterator, with the default batches, each committed with its
// checkpoint; impl=pgcopy-nocheckpoint, the same without a checkpoint;
// impl=pgcopy-10k, impl=pgcopy in batches of 10000 rows; and
// impl=insert, an INSERT per row, each its own transaction, of fewer
// rows. Each reports rows/s; the table is truncated between iterations,
// outside the timer.
func BenchmarkCopy(b *testing.B) {
	ctx := context.Background()
	db := newDB(b)
	conn := pgenv.Connect(b, db.dsn)
	db.exec(b, "CREATE TABLE bench (id bigint, name text, n int)")
	table := pgx.Identifier{"bench"}
	columns := []string{"id", "name", "n"}
	rows := make([]benchRow, benchRows)
	for i := range rows {
		rows[i] = benchRow{ID: int64(i) + 1, Name: "name-" + strconv.Itoa(i+1), N: int32(i % 1000)}
	}
	source := func(n int) iter.Seq2[benchRow, error] {
		return func(yield func(benchRow, error) bool) {
			for _, r := range rows[:n] {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
	run := func(name string, n int, write func() error) {
		b.Run("impl="+name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db.exec(b, "TRUNCATE bench")
				b.StartTimer()
				if err := write(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}

	// copyFrom copies the rows from..to in one transaction.
	copyFrom := func(from, to int) error {
		tx, err := conn.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		i := from
		_, err = tx.CopyFrom(ctx, table, columns, pgx.CopyFromFunc(func() ([]any, error) {
			if i == to {
				return nil, nil
			}
			i++
			return benchValues(rows[i-1])
		}))
		if err != nil {
			return err
		}
		return tx.Commit(ctx)
	}
	run("copyfrom", benchRows, func() error { return copyFrom(0, benchRows) })
	run("copyfrom-batched", benchRows, func() error {
		for from := 0; from < benchRows; from += benchBatchedRows {
			if err := copyFrom(from, from+benchBatchedRows); err != nil {
				return err
			}
		}
		return nil
	})
	sink := func(store *pgstore.Store, batchRows int) func() error {
		s := &pgcopy.Sink[benchRow]{
			Table:      table,
			Columns:    columns,
			Row:        benchValues,
			BatchRows:  batchRows,
			Checkpoint: store,
			Name:       "bench",
		}
		return func() error {
			res, err := s.Write(ctx, conn, source(benchRows))
			if err == nil && res.Rows != benchRows {
				b.Fatalf("Write = %+v", res)
			}
			return err
		}
	}
	store := pgstore.New(conn, "checkpoints")
	run("pgcopy", benchRows, sink(store, 0))
	run("pgcopy-nocheckpoint", benchRows, sink(nil, 0))
	run("pgcopy-10k", benchRows, sink(store, 10000))
	run("insert", benchInsertRows, func() error {
		for _, r := range rows[:benchInsertRows] {
			if _, err := conn.Exec(ctx, "INSERT INTO bench (id, name, n) VALUES ($1, $2, $3)", r.ID, r.Name, r.N); err != nil {
				return err
			}
		}
		return nil
	})
}
