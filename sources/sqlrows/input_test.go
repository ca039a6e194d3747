package sqlrows_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"iter"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluice-go/sluice/sources/sqlrows"
)

// only ranges seq and returns its single error, failing t if seq yields
// a value or more than one pair.
func only[V any](t *testing.T, seq iter.Seq2[V, error]) error {
	t.Helper()
	var errs []error
	for v, err := range seq {
		if err == nil {
			t.Fatalf("yielded a value %v, want only an error", v)
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 {
		t.Fatalf("yielded %d errors, want 1: %v", len(errs), errs)
	}
	return errs[0]
}

// TestBadInput checks that each form says what is wrong with its input,
// when ranged, rather than panicking or yielding nothing.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	var (
		noPool  *pgxNilQuerier
		noSQL   *sql.DB
		noRows  pgx.Rows
		noSRows *sql.Rows
	)
	table := sqlrows.Table{From: "items", Key: []string{"id"}}
	for _, tc := range []struct {
		name string
		seq  func() error
		want string
	}{
		{"All/nil db", func() error { return only(t, sqlrows.All(ctx, nil, "SELECT 1", nil, pgx.RowTo[int])) }, "nil database"},
		{"All/nil scan", func() error { return only(t, sqlrows.All[int](ctx, noPool, "SELECT 1", nil, nil)) }, "nil scan"},
		{"All/empty query", func() error { return only(t, sqlrows.All(ctx, noPool, "", nil, pgx.RowTo[int])) }, "empty query"},
		{"SQL/nil db", func() error { return only(t, sqlrows.SQL(ctx, nil, "SELECT 1", nil, scanItem)) }, "nil database"},
		{"SQL/nil scan", func() error { return only(t, sqlrows.SQL[int](ctx, noSQL, "SELECT 1", nil, nil)) }, "nil scan"},
		{"Rows/nil rows", func() error { return only(t, sqlrows.Rows(ctx, noRows, pgx.RowTo[int])) }, "nil rows"},
		{"SQLRows/nil rows", func() error { return only(t, sqlrows.SQLRows(ctx, noSRows, scanItem)) }, "nil rows"},
		{"Keyset/nil db", func() error { return only(t, sqlrows.Keyset(ctx, nil, table, scan, nil)) }, "nil database"},
		{"Keyset/nil scan", func() error { return only(t, sqlrows.Keyset[item](ctx, noPool, table, nil, nil)) }, "nil scan"},
		{"Keyset/no From", func() error {
			return only(t, sqlrows.Keyset(ctx, noPool, sqlrows.Table{Key: []string{"id"}}, scan, nil))
		}, "empty Table.From"},
		{"Keyset/no Key", func() error {
			return only(t, sqlrows.Keyset(ctx, noPool, sqlrows.Table{From: "items"}, scan, nil))
		}, "lists no column"},
		{"Keyset/empty Key column", func() error {
			return only(t, sqlrows.Keyset(ctx, noPool, sqlrows.Table{From: "items", Key: []string{"id", " "}}, scan, nil))
		}, "Key[1] is empty"},
		{"Keyset/negative PageSize", func() error {
			return only(t, sqlrows.Keyset(ctx, noPool, table, scan, &sqlrows.KeysetOptions{PageSize: -1}))
		}, "PageSize -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.seq(); !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

// pgxNilQuerier is a Querier that must never be called: the input checks
// come first.
type pgxNilQuerier struct{}

func (*pgxNilQuerier) Query(context.Context, string, ...any) (pgx.Rows, error) {
	panic("Query called despite bad input")
}

// TestBadCursor checks that a cursor that is not one is an error before
// any query, never a scan from the start; and that a well-formed cursor
// whose value the key's type rejects is the server's error, naming the
// query.
func TestBadCursor(t *testing.T) {
	ctx := context.Background()
	table := sqlrows.Table{From: "items", Key: []string{"id"}}
	for _, c := range []string{
		"42",
		"v2:AjQy",
		"v1:!!!",
		"v1:AjQ",      // length 2, one byte
		"v1:AjQyAjQy", // two columns for a key of one
		"v1:",         // no column
	} {
		err := only(t, sqlrows.Keyset(ctx, &pgxNilQuerier{}, table, scan, &sqlrows.KeysetOptions{After: c}))
		if !errors.Is(err, sqlrows.ErrBadCursor) {
			t.Errorf("After %q: error = %v, want ErrBadCursor", c, err)
		}
	}

	pool := newPool(t, database(t, 3))
	notInt := "v1:" + base64.RawURLEncoding.EncodeToString([]byte("\x03abc"))
	err := only(t, sqlrows.Keyset(ctx, pool, table, scan, &sqlrows.KeysetOptions{After: notInt}))
	var pgErr *pgconn.PgError
	var qe *sqlrows.QueryError
	if !errors.As(err, &pgErr) || pgErr.Code != "22P02" || !errors.As(err, &qe) || !strings.Contains(qe.Query, "FROM items") {
		t.Errorf("After a cursor of text for an int key: error = %v, want a QueryError wrapping invalid_text_representation (22P02)", err)
	}
}

// TestQueryError checks that a failed query's error names it and keeps
// pgx's error reachable.
func TestQueryError(t *testing.T) {
	ctx := context.Background()
	dsn := database(t, 3)
	pool, db := newPool(t, dsn), openSQL(t, dsn)
	const bad = "SELECT id, name FROM no_such_table"
	for name, seq := range map[string]iter.Seq2[item, error]{
		"All": sqlrows.All(ctx, pool, bad, nil, scan),
		"SQL": sqlrows.SQL(ctx, db, bad, nil, scanItem),
	} {
		err := only(t, seq)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42P01" {
			t.Errorf("%s: error = %v, want a *pgconn.PgError undefined_table (42P01)", name, err)
		}
		if !strings.Contains(err.Error(), `query "SELECT id, name FROM no_such_table"`) {
			t.Errorf("%s: error = %q, want it to name the query", name, err)
		}
	}
}
