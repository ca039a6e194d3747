package pgcopy_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/sinks/pgcopy"
	"github.com/sluice-go/sluice/sources/scanner"
)

// The examples need a database, named by DATABASE_URL, with a table
//
//	CREATE TABLE orders (id bigint, customer text, total numeric)
//
// and a file orders.csv of lines "id,customer,total".

// Load a file of orders into a table exactly once: a run stopped at any
// point, even killed, and run again resumes after the last line
// committed, so that each line is in the table once.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	sink := &pgcopy.Sink[scanner.Token]{
		Table:      pgx.Identifier{"orders"},
		Columns:    []string{"id", "customer", "total"},
		Row:        orderRow,
		BatchRows:  5000,
		Checkpoint: pgstore.New(pool, "checkpoints"),
		Name:       "orders.csv",
		// Cursor is nil: a Token's own Cursor method is where the scan
		// resumes after it.
	}
	after, err := sink.Load(ctx) // "" the first time: from the start
	if err != nil {
		log.Fatal(err)
	}
	lines := scanner.File(ctx, "orders.csv", &scanner.Options{After: after})
	res, err := sink.Write(ctx, pool, lines)
	fmt.Printf("%d rows committed in %d batches, up to %q\n", res.Rows, res.Batches, res.Cursor)
	if err != nil {
		log.Fatal(err) // the next run resumes after res.Cursor
	}
}

// orderRow returns the values of a line "id,customer,total". They are
// copies (string(tok.Bytes)): a Token's Bytes are overwritten by the lines
// after it, which Write reads a little ahead of the COPY. pgx parses the
// strings of id and total as the columns' bigint and numeric.
func orderRow(tok scanner.Token) ([]any, error) {
	id, rest, ok1 := strings.Cut(string(tok.Bytes), ",")
	customer, total, ok2 := strings.Cut(rest, ",")
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("line %d: want id,customer,total", tok.Line)
	}
	return []any{id, customer, total}, nil
}

// A channel, the other form of a stream, is written through
// sluice.FromStream, which stops the producer when Write stops early and
// yields its error.
func ExampleSink_Write_channel() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	sink := &pgcopy.Sink[scanner.Token]{
		Table:      pgx.Identifier{"orders"},
		Columns:    []string{"id", "customer", "total"},
		Row:        orderRow,
		Checkpoint: pgstore.New(conn, "checkpoints"),
		Name:       "orders.csv",
	}
	after, err := sink.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	lines, stop := scanner.FileStream(ctx, "orders.csv", &scanner.Options{After: after}, nil)
	defer stop()
	res, err := sink.Write(ctx, conn, sluice.FromStream(lines, stop))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d rows committed\n", res.Rows)
}

// A row the table refuses fails its batch, and the BatchError says which
// row it was; the batches before it are committed, and the checkpoint is
// at the last of them.
func ExampleBatchError() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	sink := &pgcopy.Sink[scanner.Token]{
		Table:      pgx.Identifier{"orders"},
		Columns:    []string{"id", "customer", "total"},
		Row:        orderRow,
		Checkpoint: pgstore.New(pool, "checkpoints"),
		Name:       "orders.csv",
	}
	after, err := sink.Load(ctx)
	if err != nil {
		log.Fatal(err)
	}
	res, err := sink.Write(ctx, pool, scanner.File(ctx, "orders.csv", &scanner.Options{After: after}))
	var be *pgcopy.BatchError
	var pe *pgconn.PgError
	if errors.As(err, &be) && be.Row > 0 && errors.As(err, &pe) {
		// be.Row counts from the first row of this Write: the row after
		// the checkpoint it started from.
		fmt.Printf("row %d of this run (cursor %s) refused: %s (SQLSTATE %s)\n", be.Row, be.Cursor, pe.Message, pe.Code)
		fmt.Printf("%d rows committed before it, up to %q\n", res.Rows, res.Cursor)
	}
}
