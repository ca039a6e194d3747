package sqlrows_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"log"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// The database/sql examples run on exampleDriver, a driver written for
// them that answers every query with three rows of (id, name); the pgx
// ones need a server, so they are only compiled.
func ExampleSQL() {
	db, err := sql.Open("sluice-example", "")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	type user struct {
		ID   int64
		Name string
	}
	scan := func(rows *sql.Rows) (user, error) {
		var u user
		err := rows.Scan(&u.ID, &u.Name)
		return u, err
	}
	ctx := context.Background()
	for u, err := range sqlrows.SQL(ctx, db, "SELECT id, name FROM users WHERE org = $1", []any{7}, scan) {
		if err != nil {
			log.Fatal(err) // the query failed, or ctx was canceled: never silent
		}
		fmt.Println(u.ID, u.Name)
	}
	// Output:
	// 1 ada
	// 2 grace
	// 3 edsger
}

func ExampleSQLStream() {
	db, err := sql.Open("sluice-example", "")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	names, stop := sqlrows.SQLStream(context.Background(), db, "SELECT id, name FROM users", nil,
		func(rows *sql.Rows) (string, error) {
			var id int64
			var name string
			err := rows.Scan(&id, &name)
			return name, err
		}, nil)
	defer stop()
	for name := range names {
		fmt.Println(name)
	}
	if err := stop(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// ada
	// grace
	// edsger
}

func ExampleAll() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "") // PG* environment variables
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	type user struct {
		ID   int64
		Name string
	}
	for u, err := range sqlrows.All(ctx, pool, "SELECT id, name FROM users WHERE org = $1", []any{7}, pgx.RowToStructByName[user]) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(u.ID, u.Name)
	}
}

func ExampleKeyset() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	type event struct {
		ID      int64
		Payload []byte
	}
	table := sqlrows.Table{From: "events", Where: "kind = $1", Args: []any{"click"}, Key: []string{"id"}}
	saved := "" // the cursor of the last event handled, from a checkpoint
	opts := &sqlrows.KeysetOptions{PageSize: 10000, After: saved}
	for row, err := range sqlrows.Keyset(ctx, pool, table, pgx.RowToStructByName[event], opts) {
		if err != nil {
			log.Fatal(err) // resume after saved: nothing lost, nothing repeated
		}
		fmt.Println(row.Value.ID)
		saved = row.Cursor()
	}
}

func ExampleRows() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)

	rows, err := conn.Query(ctx, "SELECT name FROM users")
	if err != nil {
		log.Fatal(err)
	}
	// Rows closes rows however the loop ends.
	for name, err := range sqlrows.Rows(ctx, rows, pgx.RowTo[string]) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(name)
	}
}

func init() { sql.Register("sluice-example", exampleDriver{}) }

// exampleDriver is a database/sql driver whose every query returns the
// same three users.
type exampleDriver struct{}

func (exampleDriver) Open(string) (driver.Conn, error) { return exampleConn{}, nil }

type exampleConn struct{}

func (exampleConn) Prepare(string) (driver.Stmt, error) { return nil, driver.ErrSkip }
func (exampleConn) Close() error                        { return nil }
func (exampleConn) Begin() (driver.Tx, error)           { return nil, driver.ErrSkip }

func (exampleConn) QueryContext(ctx context.Context, _ string, _ []driver.NamedValue) (driver.Rows, error) {
	return &exampleRows{names: []string{"ada", "grace", "edsger"}}, ctx.Err()
}

type exampleRows struct {
	names []string
	i     int
}

func (*exampleRows) Columns() []string { return []string{"id", "name"} }
func (*exampleRows) Close() error      { return nil }

func (r *exampleRows) Next(dest []driver.Value) error {
	if r.i == len(r.names) {
		return io.EOF
	}
	dest[0], dest[1] = int64(r.i+1), r.names[r.i]
	r.i++
	return nil
}

func ExampleNewKeysetSharder() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, "")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	table := sqlrows.Table{From: "events", Select: "id", Key: []string{"id"}}
	s, err := sqlrows.NewKeysetSharder(pool, table, pgx.RowTo[int64], &sqlrows.KeysetOptions{PageSize: 10000})
	if err != nil {
		log.Fatal(err)
	}
	// Plan: the shards travel as text, one job each.
	shards, err := s.Split(ctx, 16)
	if err != nil {
		log.Fatal(err)
	}
	for _, sh := range shards {
		fmt.Println(sh) // v1:source=sqlrows.keyset%3Aevents%3Aid&end=…
	}

	// Work one: a worker parses its job's shard and reads it.
	sh, err := shard.Parse(shards[0].String())
	if err != nil {
		log.Fatal(err)
	}
	r, err := s.Open(sh)
	if err != nil {
		log.Fatal(err)
	}
	for row, err := range r.All(ctx) {
		if err != nil {
			log.Fatal(err) // save r.Shard(): reopened, it resumes after the last row
		}
		fmt.Println(row.Value)
		if row.Value == 1000 {
			// Hand about half of the rest to another worker; this
			// reader stops before it.
			rest, err := r.Split(ctx, 0.5)
			if err == nil {
				fmt.Println("split off", rest)
			}
		}
	}
}
