// Pgsync copies one PostgreSQL table into another exactly once, however
// often it is stopped: it reads the source in keyset pages
// (sources/sqlrows) and writes the target with COPY in batches
// (sinks/pgcopy), each batch committed in one transaction with the cursor
// of its last row (package checkpoint). Run again after a crash, a kill
// or a -limit, it resumes after that cursor.
//
//	go run ./examples/pgsync -dsn "$DATABASE_URL" -demo 100000 -limit 30000
//	go run ./examples/pgsync -dsn "$DATABASE_URL"
//
// With -demo N it first creates the source table, pgsync_source, with N
// rows (if it does not exist yet). The target is pgsync_target.
//
// Outside the standard library and this module it compiles
// github.com/jackc/pgx/v5 and what that requires.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/sinks/pgcopy"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// An event is a row of the source and the target.
type event struct {
	ID   int64
	Name string
	At   time.Time
}

type config struct {
	dsn   string
	demo  int // rows of the demo source to create; 0: none
	limit int // stop after reading this many rows; 0: no limit
	batch int // rows per batch
}

func main() {
	var cfg config
	flag.StringVar(&cfg.dsn, "dsn", os.Getenv("DATABASE_URL"), "PostgreSQL connection string (default $DATABASE_URL, else the PG* variables)")
	flag.IntVar(&cfg.demo, "demo", 0, "create the source table with `N` rows if it does not exist")
	flag.IntVar(&cfg.limit, "limit", 0, "stop after reading `N` rows, as a crash would")
	flag.IntVar(&cfg.batch, "batch", 5000, "rows per batch (one transaction each)")
	flag.Parse()
	log.SetFlags(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		log.Fatalf("pgsync: %v", err)
	}
}

const schema = `
CREATE TABLE IF NOT EXISTS pgsync_target (id bigint NOT NULL, name text NOT NULL, at timestamptz NOT NULL)`

const demo = `
CREATE TABLE pgsync_source (id bigint PRIMARY KEY, name text NOT NULL, at timestamptz NOT NULL);
INSERT INTO pgsync_source
SELECT i, 'event ' || i, timestamptz '2026-11-27 00:00:00+00' + i * interval '1 ms'
FROM generate_series(1, %d) AS i`

func run(ctx context.Context, cfg config, out io.Writer) error {
	pool, err := pgxpool.New(ctx, cfg.dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := setup(ctx, pool, cfg.demo); err != nil {
		return err
	}

	sink := &pgcopy.Sink[sqlrows.Row[event]]{
		Table:   pgx.Identifier{"pgsync_target"},
		Columns: []string{"id", "name", "at"},
		Row: func(r sqlrows.Row[event]) ([]any, error) {
			return []any{r.Value.ID, r.Value.Name, r.Value.At}, nil
		},
		BatchRows:  cfg.batch,
		Checkpoint: pgstore.New(pool, "pgsync_checkpoints"),
		Name:       "pgsync_source→pgsync_target",
	}
	after, err := sink.Load(ctx)
	if err != nil {
		return err
	}
	if after != "" {
		fmt.Fprintf(out, "resuming after %s\n", after)
	}
	source := sqlrows.Table{From: "pgsync_source", Select: "id, name, at", Key: []string{"id"}}
	rows := sqlrows.Keyset(ctx, pool, source, pgx.RowToStructByName[event], &sqlrows.KeysetOptions{PageSize: 10000, After: after})

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	res, err := sink.Write(ctx, pool, limit(rows, cfg.limit, cancel))
	fmt.Fprintf(out, "copied %d rows in %d batches\n", res.Rows, res.Batches)
	if errors.Is(err, errLimit) {
		fmt.Fprintf(out, "stopped at the limit (%v); run again to resume\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	var src, dst, distinct int64
	err = pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM pgsync_source), count(*), count(DISTINCT id) FROM pgsync_target`).Scan(&src, &dst, &distinct)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "done: the source has %d rows, the target %d (%d distinct)\n", src, dst, distinct)
	return nil
}

func setup(ctx context.Context, pool *pgxpool.Pool, rows int) error {
	if _, err := pool.Exec(ctx, schema); err != nil {
		return err
	}
	if rows <= 0 {
		return nil
	}
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('pgsync_source') IS NOT NULL").Scan(&exists); err != nil || exists {
		return err
	}
	_, err := pool.Exec(ctx, fmt.Sprintf(demo, rows))
	return err
}

var errLimit = errors.New("-limit reached")

// limit passes seq on and, after n values, cancels the run with errLimit,
// as a crash would stop it: in the middle of a batch.
func limit[V any](seq iter.Seq2[V, error], n int, cancel context.CancelCauseFunc) iter.Seq2[V, error] {
	if n <= 0 {
		return seq
	}
	return func(yield func(V, error) bool) {
		i := 0
		for v, err := range seq {
			if !yield(v, err) || err != nil {
				return
			}
			if i++; i == n {
				cancel(errLimit)
			}
		}
	}
}
