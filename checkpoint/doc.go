// Package checkpoint records how far a consumer has got, so that a pipeline
// stopped at any instant resumes where it left off.
//
// A [Store] maps a name (one per pipeline or per source) to a cursor: the
// opaque string of the last value the consumer has made durable, as returned
// by a source's Cursor method. On restart the consumer loads the cursor and
// passes it as the source's After option, which continues strictly after it.
// A name never saved loads as "", which means start from the beginning.
//
// This package holds the [Store] interface and [FileStore], one file per
// name in a directory; package
// [github.com/sluice-go/sluice/checkpoint/pgstore] holds the other store,
// one row per name in a PostgreSQL table, so that a program that keeps its
// cursors in files does not compile a PostgreSQL driver. It imports only
// the standard library.
//
// # At-least-once and exactly-once
//
// The order is always: make the values durable, then save the cursor of the
// last of them. A process that dies between the two has written values that
// the saved cursor does not cover, and the resumed run writes them again.
// Such a pipeline is at-least-once: nothing is lost, but a value may be
// written twice, so the writes must be idempotent (an upsert keyed by the
// value's identity, an object put under a deterministic key, …).
//
// When the sink is a PostgreSQL database and the checkpoint lives in the same
// database, pgstore's Store.SaveTx saves the cursor inside the transaction
// that writes the values. The values and the cursor then commit together or
// not at all, and the pipeline is exactly-once: after any crash, the table
// holds exactly the values up to the saved cursor, and the resumed run
// continues right after them.
//
// # Crashes
//
// [FileStore.Save] writes a temporary file in the same directory, flushes it
// to stable storage, renames it over the checkpoint and flushes the
// directory: after a crash at any instant the file holds either the old or
// the new cursor, never a mixture. Its content is versioned and checksummed,
// and a file that does not parse is an error ([ErrCorrupt]), never "".
// pgstore's Store relies on PostgreSQL's transactions for the same guarantee.
//
// # Errors
//
// Errors begin with "checkpoint: ". An invalid name is an error wrapping
// [ErrInvalidName] and naming the name, in every store; errors of the file
// system are wrapped, so errors.Is reaches them (for instance
// fs.ErrNotExist).
package checkpoint
