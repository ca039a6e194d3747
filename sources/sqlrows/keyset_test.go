package sqlrows_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/sources/sqlrows"
)

// TestKeysetKeyTypes scans, one row per page, a table keyed by columns
// of types whose text must survive the trip through a cursor exactly:
// timestamps to the microsecond, numerics, floats, bytea, and text with
// quotes, commas, newlines, non-ASCII and the empty string. Every page
// after the first starts from the texts of the previous page's last key,
// so a text that did not parse back as the same value would skip or
// repeat rows.
func TestKeysetKeyTypes(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, database(t, 0))
	_, err := conn.Exec(ctx, `
CREATE TABLE typed (t text, ts timestamptz, n numeric, f float8, b bytea, u uuid, PRIMARY KEY (t, ts, n, f, b, u));
INSERT INTO typed
SELECT (ARRAY['', 'a', 'a,b', 'a"b', E'a\nb', 'ä', '(x)', 'NULL'])[1 + i % 8],
       '2026-11-27 03:00:00.000001+00'::timestamptz + (i % 3) * interval '0.000001 s',
       (i % 2) / 3.0,
       0.1 * (i % 5),
       decode(lpad(to_hex(i % 4), 2, '0'), 'hex'),
       md5(i::text)::uuid
FROM generate_series(1, 60) AS i`)
	if err != nil {
		t.Fatal(err)
	}
	key := []string{"t", "ts", "n", "f", "b", "u"}
	var want []string
	for r, err := range sqlrows.All(ctx, conn, "SELECT u::text FROM typed ORDER BY "+strings.Join(key, ", "), nil, pgx.RowTo[string]) {
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r)
	}
	table := sqlrows.Table{From: "typed", Select: "u::text AS u", Key: key}
	got := keysetAll(t, conn, table, 1)
	if !slices.Equal(got, want) {
		t.Fatalf("keyset, one row a page:\n got %d rows %v\nwant %d rows %v", len(got), got, len(want), want)
	}
}

// keysetAll scans table in pages of size and returns its single column,
// checking on the way that resuming after each row's cursor yields
// exactly the rows after it.
func keysetAll(t *testing.T, db sqlrows.Querier, table sqlrows.Table, size int) []string {
	t.Helper()
	ctx := context.Background()
	var got, cursors []string
	for r, err := range sqlrows.Keyset(ctx, db, table, pgx.RowTo[string], &sqlrows.KeysetOptions{PageSize: size}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Value)
		cursors = append(cursors, r.Cursor())
	}
	for i := 0; i < len(cursors); i += 7 {
		var rest []string
		for r, err := range sqlrows.Keyset(ctx, db, table, pgx.RowTo[string], &sqlrows.KeysetOptions{PageSize: size + 2, After: cursors[i]}) {
			if err != nil {
				t.Fatal(err)
			}
			rest = append(rest, r.Value)
		}
		if !slices.Equal(rest, got[i+1:]) {
			t.Fatalf("resumed after row %d: got %v, want %v", i, rest, got[i+1:])
		}
	}
	return got
}

// TestKeysetWhereAndArgs checks a condition with arguments of its own
// beside the key's, a subquery as From, and scan functions that do not
// scan by name.
func TestKeysetWhereAndArgs(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, database(t, 50))
	table := sqlrows.Table{
		From:   "(SELECT id, name, id % 3 AS m FROM items) AS t",
		Select: "name",
		Where:  "m = $1 AND id > $2",
		Args:   []any{1, 10},
		Key:    []string{"id"},
	}
	var want []string
	for id := 11; id <= 50; id++ {
		if id%3 == 1 {
			want = append(want, itemName(id))
		}
	}
	if got := keysetAll(t, pool, table, 4); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	// RowToMap scans through Values, by the names of the select list;
	// the key's texts must not show.
	table = sqlrows.Table{From: "items", Key: []string{"id"}}
	n := 0
	for r, err := range sqlrows.Keyset(ctx, pool, table, pgx.RowToMap, &sqlrows.KeysetOptions{PageSize: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if len(r.Value) != 2 || r.Value["name"] != itemName(int(r.Value["id"].(int32))) {
			t.Fatalf("row %d = %v, want exactly id and name", n, r.Value)
		}
	}
	if n != 50 {
		t.Errorf("RowToMap: %d rows, want 50", n)
	}
	n = 0
	for r, err := range sqlrows.Keyset(ctx, pool, table, pgx.RowToStructByPos[item], &sqlrows.KeysetOptions{PageSize: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; r.Value != (item{n, itemName(n)}) {
			t.Fatalf("RowToStructByPos: row %d = %v", n, r.Value)
		}
	}
}

// TestKeysetBadKeys checks that a key that cannot page a table (NULL, or
// not unique) is an error rather than rows silently skipped.
func TestKeysetBadKeys(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, database(t, 10))
	for _, tc := range []struct {
		key  string
		want string
	}{
		{"CASE WHEN id = 5 THEN NULL ELSE id END", "is NULL"},
		{"id / 20", "must be unique"},
	} {
		table := sqlrows.Table{From: "items", Key: []string{tc.key}}
		n := 0
		var last error
		for _, err := range sqlrows.Keyset(ctx, pool, table, scan, &sqlrows.KeysetOptions{PageSize: 100}) {
			if last = err; err == nil {
				n++
			}
		}
		if last == nil || !strings.Contains(last.Error(), tc.want) {
			t.Errorf("key %s: %d rows, then %v; want an error saying the key %s", tc.key, n, last, tc.want)
		}
	}
}

// TestKeysetPages checks that the pages are what the doc says: the query
// of each is its own, LIMIT PageSize, and a full last page costs one more,
// empty, query.
func TestKeysetPages(t *testing.T) {
	ctx := context.Background()
	pool := newPool(t, database(t, 12))
	for _, tc := range []struct{ size, queries int }{{5, 3}, {4, 4}, {12, 2}, {100, 1}} {
		q := &countingQuerier{db: pool}
		n := 0
		for _, err := range sqlrows.Keyset(ctx, q, sqlrows.Table{From: "items", Key: []string{"id"}}, scan, &sqlrows.KeysetOptions{PageSize: tc.size}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 12 || q.n != tc.queries {
			t.Errorf("PageSize %d: %d rows in %d queries, want 12 in %d", tc.size, n, q.n, tc.queries)
		}
	}
}

type countingQuerier struct {
	db sqlrows.Querier
	n  int
}

func (q *countingQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	q.n++
	if !strings.Contains(sql, "LIMIT") {
		return nil, fmt.Errorf("a page query without LIMIT: %s", sql)
	}
	return q.db.Query(ctx, sql, args...)
}

// KeysetEstimate gives the planner's estimate of the rows a scan yields:
// of the whole table, of what follows a cursor, of a Where. An estimate
// from statistics is not a count, so the checks allow it a tenth either
// way.
func TestKeysetEstimate(t *testing.T) {
	ctx := context.Background()
	dsn := database(t, 20000)
	pool := newPool(t, dsn)
	if _, err := pool.Exec(ctx, "ANALYZE items"); err != nil {
		t.Fatal(err)
	}
	table := sqlrows.Table{From: "items", Key: []string{"id"}}
	var cursor string
	for r, err := range sqlrows.Keyset(ctx, pool, table, pgx.RowToStructByPos[item], &sqlrows.KeysetOptions{PageSize: 5000}) {
		if err != nil {
			t.Fatal(err)
		}
		if r.Value.ID == 15000 {
			cursor = r.Cursor()
			break
		}
	}
	near := func(got, want int64) bool { return got >= want*9/10 && got <= want*11/10 }
	for _, tc := range []struct {
		name  string
		table sqlrows.Table
		opts  *sqlrows.KeysetOptions
		want  int64
	}{
		{"whole", table, nil, 20000},
		{"after", table, &sqlrows.KeysetOptions{After: cursor}, 5000},
		{"where", sqlrows.Table{From: "items", Where: "id <= $1", Args: []any{4000}, Key: []string{"id"}}, nil, 4000},
	} {
		got, err := sqlrows.KeysetEstimate(ctx, pool, tc.table, tc.opts)
		if err != nil || !near(got, tc.want) {
			t.Errorf("%s: KeysetEstimate = %d, %v; want about %d", tc.name, got, err, tc.want)
		}
	}
	if _, err := sqlrows.KeysetEstimate(ctx, pool, table, &sqlrows.KeysetOptions{After: "v1:nonsense"}); !errors.Is(err, sqlrows.ErrBadCursor) {
		t.Errorf("KeysetEstimate after a bad cursor = %v, want ErrBadCursor", err)
	}
	if _, err := sqlrows.KeysetEstimate(ctx, pool, sqlrows.Table{From: "missing", Key: []string{"id"}}, nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("KeysetEstimate of a missing table = %v, want an error naming it", err)
	}
}
