package pgstore_test

import (
	"context"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/checkpoint/pgstore"
)

// A batch and the cursor of its last value, in one transaction: both
// commit or neither does.
func ExampleStore_SaveTx() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	store := pgstore.New(pool, "checkpoints")

	after, err := store.Load(ctx, "orders") // "" the first time
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("resuming after %q", after)

	tx, err := pool.Begin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback(ctx) // after a Commit, a no-op
	if _, err := tx.Exec(ctx, "INSERT INTO orders (id) VALUES (42)"); err != nil {
		log.Fatal(err)
	}
	if err := store.SaveTx(ctx, tx, "orders", "42"); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err)
	}
}
