package pgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluice-go/sluice/checkpoint"
)

// DB is what a [Store] needs of a database: *pgx.Conn,
// *pgxpool.Pool and pgx.Tx all satisfy it.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is a [checkpoint.Store] that keeps each name's cursor in a row of a
// PostgreSQL table:
//
//	CREATE TABLE IF NOT EXISTS <table> (
//		name       text PRIMARY KEY,
//		cursor     text NOT NULL,
//		updated_at timestamptz NOT NULL DEFAULT now()
//	)
//
// The table is created on demand, by the first Load, Save or SaveTx of the
// store, outside any caller's transaction. Names and cursors must be valid
// UTF-8 without NUL bytes, as PostgreSQL text requires; a name must not be
// empty.
//
// It is safe for concurrent use as far as its DB is (a *pgx.Conn or a
// pgx.Tx is not; a *pgxpool.Pool is). When two transactions save one name
// at once, the second waits for the first and, under PostgreSQL's default
// READ COMMITTED isolation, overwrites it: the last commit wins. Under
// REPEATABLE READ or SERIALIZABLE the second fails with a serialization
// error (SQLSTATE 40001) instead, for the caller to retry.
type Store struct {
	db      DB
	ident   pgx.Identifier
	table   string // sanitized, for SQL text
	create  string
	load    string
	save    string
	err     error // from New, returned by every method
	created atomic.Bool
}

// New returns a store over db keeping its cursors in table, which
// may be qualified by a schema ("sluice.checkpoints"). The name is quoted,
// so it is taken exactly as written, case included. An invalid table name
// is reported by every method of the store.
func New(db DB, table string) *Store {
	s := &Store{db: db}
	parts := strings.Split(table, ".")
	for _, p := range parts {
		if p == "" || len(parts) > 2 || checkText(p) != "" {
			s.err = fmt.Errorf("pgstore: invalid table name %q", table)
			return s
		}
	}
	s.ident = pgx.Identifier(parts)
	s.table = s.ident.Sanitize()
	s.create = "CREATE TABLE IF NOT EXISTS " + s.table + ` (
	name text PRIMARY KEY,
	cursor text NOT NULL,
	updated_at timestamptz NOT NULL DEFAULT now()
)`
	s.load = "SELECT cursor FROM " + s.table + " WHERE name = $1"
	s.save = "INSERT INTO " + s.table + ` (name, cursor) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`
	return s
}

// Table returns the table of s, quoted as it appears in SQL.
func (s *Store) Table() string { return s.table }

// A nameError is the error for a name the store cannot use. It wraps
// checkpoint.ErrInvalidName, as the errors of every store do, with this
// package's prefix.
type nameError struct{ name, why string }

func (e *nameError) Error() string { return fmt.Sprintf("pgstore: invalid name %q: %s", e.name, e.why) }

func (e *nameError) Unwrap() error { return checkpoint.ErrInvalidName }

func invalidName(name, why string) error { return &nameError{name, why} }

// checkText reports why s cannot be stored in a PostgreSQL text column, or
// "".
func checkText(s string) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	if strings.IndexByte(s, 0) >= 0 {
		return "contains a NUL byte"
	}
	return ""
}

func checkName(name string) error {
	if name == "" {
		return invalidName(name, "empty")
	}
	if why := checkText(name); why != "" {
		return invalidName(name, why)
	}
	return nil
}

// ensure creates the table unless this store has already done so.
func (s *Store) ensure(ctx context.Context) error {
	if s.created.Load() {
		return nil
	}
	_, err := s.db.Exec(ctx, s.create)
	if isCode(err, "23505", "42710", "42P07") {
		// Two concurrent CREATE TABLE IF NOT EXISTS of one table can both
		// pass the existence check; the loser fails on the catalog's unique
		// index (unique_violation, duplicate_object or duplicate_table)
		// once the winner has committed, so by then the table exists.
		_, err = s.db.Exec(ctx, s.create)
	}
	if err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	s.created.Store(true)
	return nil
}

func isCode(err error, codes ...string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && slices.Contains(codes, pe.Code)
}

// undefinedTable reports whether err says the table is gone: dropped since,
// or created by ensure inside a transaction on db's connection that was
// then rolled back. The next call creates it again.
func (s *Store) undefinedTable(err error) bool {
	if isCode(err, "42P01") {
		s.created.Store(false)
		return true
	}
	return false
}

// Load returns the cursor saved under name, or "" when none has been saved.
func (s *Store) Load(ctx context.Context, name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if s.err != nil {
		return "", s.err
	}
	var cursor string
	err := s.retry(ctx, func() error {
		return s.db.QueryRow(ctx, s.load, name).Scan(&cursor)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("pgstore: load %s from %s: %w", name, s.table, err)
	}
	return cursor, nil
}

// Save records cursor under name in its own statement (a transaction of
// its own unless db is a pgx.Tx).
func (s *Store) Save(ctx context.Context, name, cursor string) error {
	if err := checkSave(name, cursor); err != nil {
		return err
	}
	if s.err != nil {
		return s.err
	}
	err := s.retry(ctx, func() error {
		_, err := s.db.Exec(ctx, s.save, name, cursor)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: save %s to %s: %w", name, s.table, err)
	}
	return nil
}

// SaveTx records cursor under name inside tx: the cursor becomes visible
// when tx commits and is discarded if it rolls back. Writing a batch and
// its cursor through one tx makes the batch exactly-once.
//
// The table is created beforehand through the store's db, outside tx,
// unless db's connection is the one tx runs on. On an error, tx is aborted
// as PostgreSQL aborts any transaction whose statement fails.
func (s *Store) SaveTx(ctx context.Context, tx pgx.Tx, name, cursor string) error {
	if err := checkSave(name, cursor); err != nil {
		return err
	}
	if s.err != nil {
		return s.err
	}
	if err := s.ensure(ctx); err != nil {
		return fmt.Errorf("pgstore: save %s to %s: %w", name, s.table, err)
	}
	if _, err := tx.Exec(ctx, s.save, name, cursor); err != nil {
		s.undefinedTable(err)
		return fmt.Errorf("pgstore: save %s to %s: %w", name, s.table, err)
	}
	return nil
}

func checkSave(name, cursor string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if why := checkText(cursor); why != "" {
		return fmt.Errorf("pgstore: save %s: cursor %s", name, why)
	}
	return nil
}

// retry runs op after ensuring the table, and once more if the table
// turned out to be missing.
func (s *Store) retry(ctx context.Context, op func() error) error {
	if err := s.ensure(ctx); err != nil {
		return err
	}
	err := op()
	if s.undefinedTable(err) {
		if err := s.ensure(ctx); err != nil {
			return err
		}
		err = op()
	}
	return err
}
