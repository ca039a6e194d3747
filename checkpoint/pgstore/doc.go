// Package pgstore keeps checkpoints in a PostgreSQL table: a
// [checkpoint.Store] with one row per name, and [Store.SaveTx], which saves
// a cursor inside the caller's transaction.
//
// It compiles github.com/jackc/pgx/v5 (with the modules pgx needs) and
// nothing else outside the standard library; package checkpoint, which
// holds the Store interface and the file store, compiles no driver.
//
// # Exactly-once
//
// When the sink is a PostgreSQL database and the checkpoint lives in the
// same database, [Store.SaveTx] saves the cursor inside the transaction
// that writes the values. The values and the cursor then commit together
// or not at all, and the pipeline is exactly-once: after any crash, the
// table holds exactly the values up to the saved cursor, and the resumed
// run continues right after them (package pgcopy does this for each of its
// batches).
//
//	store := pgstore.New(pool, "checkpoints")
//	tx, err := pool.Begin(ctx)
//	…                                    // write the batch through tx
//	err = store.SaveTx(ctx, tx, "orders", lastCursor)
//	err = tx.Commit(ctx)                 // batch and cursor, atomically
//
// # Errors
//
// Errors begin with "pgstore: ". An invalid name is an error wrapping
// [checkpoint.ErrInvalidName], as with every store; errors of pgx are
// wrapped, so errors.As reaches them (for instance *pgconn.PgError).
package pgstore
