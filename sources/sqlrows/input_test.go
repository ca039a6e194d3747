package sqlrows_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
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
// the iterator as its only pair and the channel form from stop, rather
// than panicking or yielding nothing.
func TestBadInput(t *testing.T) {
	ctx := context.Background()
	var (
		noPool  *pgxNilQuerier
		noSQL   *sql.DB
		noRows  pgx.Rows
		noSRows *sql.Rows
	)
	table := sqlrows.Table{From: "items", Key: []string{"id"}}
	keyset := func(t sqlrows.Table, opts *sqlrows.KeysetOptions) func() error {
		return stopOf(sqlrows.KeysetStream(ctx, noPool, t, scan, opts, nil))
	}
	for _, tc := range []struct {
		name string
		err  error        // the iterator's
		stop func() error // the channel form's
		want string
	}{
		{"All/nil db", only(t, sqlrows.All(ctx, nil, "SELECT 1", nil, pgx.RowTo[int])),
			stopOf(sqlrows.Stream(ctx, nil, "SELECT 1", nil, pgx.RowTo[int], nil)), "sqlrows: nil database"},
		{"All/nil scan", only(t, sqlrows.All[int](ctx, noPool, "SELECT 1", nil, nil)),
			stopOf(sqlrows.Stream[int](ctx, noPool, "SELECT 1", nil, nil, nil)), "sqlrows: nil scan"},
		{"All/empty query", only(t, sqlrows.All(ctx, noPool, "", nil, pgx.RowTo[int])),
			stopOf(sqlrows.Stream(ctx, noPool, "", nil, pgx.RowTo[int], nil)), "sqlrows: empty query"},
		{"SQL/nil db", only(t, sqlrows.SQL(ctx, nil, "SELECT 1", nil, scanItem)),
			stopOf(sqlrows.SQLStream(ctx, nil, "SELECT 1", nil, scanItem, nil)), "sqlrows: nil database"},
		{"SQL/nil scan", only(t, sqlrows.SQL[int](ctx, noSQL, "SELECT 1", nil, nil)),
			stopOf(sqlrows.SQLStream[int](ctx, noSQL, "SELECT 1", nil, nil, nil)), "sqlrows: nil scan"},
		{"SQL/empty query", only(t, sqlrows.SQL(ctx, noSQL, "", nil, scanItem)),
			stopOf(sqlrows.SQLStream(ctx, noSQL, "", nil, scanItem, nil)), "sqlrows: empty query"},
		{"Rows/nil rows", only(t, sqlrows.Rows(ctx, noRows, pgx.RowTo[int])),
			stopOf(sqlrows.RowsStream(ctx, noRows, pgx.RowTo[int], nil)), "sqlrows: nil rows"},
		{"Rows/nil scan", only(t, sqlrows.Rows[int](ctx, unusedRows{}, nil)),
			stopOf(sqlrows.RowsStream[int](ctx, unusedRows{}, nil, nil)), "sqlrows: nil scan"},
		{"SQLRows/nil rows", only(t, sqlrows.SQLRows(ctx, noSRows, scanItem)),
			stopOf(sqlrows.SQLRowsStream(ctx, noSRows, scanItem, nil)), "sqlrows: nil rows"},
		{"Keyset/nil db", only(t, sqlrows.Keyset(ctx, nil, table, scan, nil)),
			stopOf(sqlrows.KeysetStream(ctx, nil, table, scan, nil, nil)), "sqlrows: nil database"},
		{"Keyset/nil scan", only(t, sqlrows.Keyset[item](ctx, noPool, table, nil, nil)),
			stopOf(sqlrows.KeysetStream[item](ctx, noPool, table, nil, nil, nil)), "sqlrows: nil scan"},
		{"Keyset/no From", only(t, sqlrows.Keyset(ctx, noPool, sqlrows.Table{From: " ", Key: []string{"id"}}, scan, nil)),
			keyset(sqlrows.Table{From: " ", Key: []string{"id"}}, nil), "sqlrows: Table.From is empty"},
		{"Keyset/no Key", only(t, sqlrows.Keyset(ctx, noPool, sqlrows.Table{From: "items"}, scan, nil)),
			keyset(sqlrows.Table{From: "items"}, nil), "sqlrows: Table.Key lists no column"},
		{"Keyset/empty Key column", only(t, sqlrows.Keyset(ctx, noPool, sqlrows.Table{From: "items", Key: []string{"id", " "}}, scan, nil)),
			keyset(sqlrows.Table{From: "items", Key: []string{"id", " "}}, nil), `sqlrows: Table.Key[1] is " "`},
		{"Keyset/negative PageSize", only(t, sqlrows.Keyset(ctx, noPool, table, scan, &sqlrows.KeysetOptions{PageSize: -1})),
			keyset(table, &sqlrows.KeysetOptions{PageSize: -1}), "sqlrows: KeysetOptions.PageSize is -1"},
		{"Keyset/bad cursor", only(t, sqlrows.Keyset(ctx, noPool, table, scan, &sqlrows.KeysetOptions{After: "v1:AjQyAjQy"})),
			keyset(table, &sqlrows.KeysetOptions{After: "v1:AjQyAjQy"}), `sqlrows: bad cursor "v1:AjQyAjQy": it holds 2 key values`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(tc.err.Error(), tc.want) {
				t.Errorf("iterator: error = %q, want it to say %q", tc.err, tc.want)
			}
			if err := tc.stop(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("channel form: stop() = %v, want an error saying %q", err, tc.want)
			}
		})
	}

	t.Run("Keyset/checked at the call", func(t *testing.T) {
		// Options made good after the call: the iterator and the stream
		// were checked, and are refused, with the bad ones.
		opts := &sqlrows.KeysetOptions{PageSize: -2}
		seq, stop := sqlrows.Keyset(ctx, noPool, table, scan, opts), keyset(table, opts)
		opts.PageSize = 0
		const want = "sqlrows: KeysetOptions.PageSize is -2"
		if err := only(t, seq); !strings.Contains(err.Error(), want) {
			t.Errorf("iterator: error = %q, want it to say %q", err, want)
		}
		if err := stop(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("channel form: stop() = %v, want an error saying %q", err, want)
		}
	})
}

// stopOf returns the stop function of a channel form.
func stopOf[V any](_ <-chan V, stop func() error) func() error { return stop }

// unusedRows is a pgx.Rows that must never be used: the input checks
// come first.
type unusedRows struct{ pgx.Rows }

// pgxNilQuerier is a Querier that must never be called: the input checks
// come first.
type pgxNilQuerier struct{}

func (*pgxNilQuerier) Query(context.Context, string, ...any) (pgx.Rows, error) {
	panic("Query called despite bad input")
}

// TestBadCursor checks that a cursor that is not one is an error before
// any query, never a scan from the start; that a well-formed cursor whose
// value the key's type rejects is one too, found by the first page's
// query; and that the error of a parameter of the Table's own is not.
func TestBadCursor(t *testing.T) {
	ctx := context.Background()
	table := sqlrows.Table{From: "items", Key: []string{"id"}}
	for c, why := range map[string]string{
		"42":          "not a v1 cursor",
		"v2:AjQy":     "not a v1 cursor",
		"v1:!!!":      "its key is not URL-safe base64",
		"v1:AjQ\n":    "its key is not canonical base64", // the decoder skips newlines
		"v1:AjR":      "its key is not URL-safe base64",  // the last character has bits to spare
		"v1:AjQ":      "its key is truncated",            // length 2, one byte
		"v1:gAA":      "its key is malformed",            // a length of 0 in two bytes
		"v1:AjQyAjQy": "it holds 2 key values; Table.Key has 1 columns",
		"v1:":         "it holds 0 key values",
	} {
		for name, err := range map[string]error{
			"Keyset":         only(t, sqlrows.Keyset(ctx, &pgxNilQuerier{}, table, scan, &sqlrows.KeysetOptions{After: c})),
			"KeysetEstimate": second(sqlrows.KeysetEstimate(ctx, &pgxNilQuerier{}, table, &sqlrows.KeysetOptions{After: c})),
		} {
			want := fmt.Sprintf("sqlrows: bad cursor %q: %s", c, why)
			if !errors.Is(err, sqlrows.ErrBadCursor) || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("%s after %q: error = %v, want ErrBadCursor saying %q", name, c, err, want)
			}
		}
	}

	pool := newPool(t, database(t, 3))
	notInt := "v1:" + base64.RawURLEncoding.EncodeToString([]byte("\x03abc"))
	want := fmt.Sprintf(`sqlrows: bad cursor %q: its value for id: invalid input syntax for type integer: "abc"`, notInt)
	for name, err := range map[string]error{
		"Keyset":         only(t, sqlrows.Keyset(ctx, pool, table, scan, &sqlrows.KeysetOptions{After: notInt})),
		"KeysetEstimate": second(sqlrows.KeysetEstimate(ctx, pool, table, &sqlrows.KeysetOptions{After: notInt})),
	} {
		if !errors.Is(err, sqlrows.ErrBadCursor) || err.Error() != want {
			t.Errorf("%s after a cursor of text for an int key: error = %v, want ErrBadCursor saying %q", name, err, want)
		}
	}

	// The Table's own parameter $1 is refused, after a good cursor: the
	// error is the query's, not the cursor's.
	badArg := sqlrows.Table{From: "items", Where: "id > $1", Args: []any{"one"}, Key: []string{"id"}}
	good := "v1:" + base64.RawURLEncoding.EncodeToString([]byte("\x011"))
	err := only(t, sqlrows.Keyset(ctx, pool, badArg, scan, &sqlrows.KeysetOptions{After: good}))
	var pgErr *pgconn.PgError
	var qe *sqlrows.QueryError
	if errors.Is(err, sqlrows.ErrBadCursor) || !errors.As(err, &pgErr) || pgErr.Code != "22P02" || !errors.As(err, &qe) || !strings.Contains(qe.Query, "FROM items") {
		t.Errorf("a bad Table.Args after a good cursor: error = %v, want a QueryError wrapping invalid_text_representation (22P02), not ErrBadCursor", err)
	}
}

// second returns the second of two results.
func second[A, B any](_ A, b B) B { return b }

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
