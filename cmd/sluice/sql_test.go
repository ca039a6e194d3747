package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/internal/testenv/pgenv"
)

// sqlDatabase returns a fresh database holding items (id 1…n) and
// "Mixed Case" (a two-column key).
func sqlDatabase(t *testing.T, n int) string {
	t.Helper()
	dsn := pgenv.Database(t)
	conn := pgenv.Connect(t, dsn)
	_, err := conn.Exec(context.Background(), fmt.Sprintf(`
CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, amount numeric, created timestamptz, tag uuid, data bytea, doc jsonb, ratio float8);
INSERT INTO items
SELECT i, 'item ' || i, i * 1.25, timestamptz '2026-11-27 00:00:00+00' + i * interval '1 s',
       md5(i::text)::uuid, int4send(i::int), jsonb_build_object('i', i), 1.0 / i
FROM generate_series(1, %d) AS i;
CREATE TABLE "Mixed Case" (day date, seq int, note text, PRIMARY KEY (day, seq));
INSERT INTO "Mixed Case" SELECT date '2026-11-01' + (i / 3), i %% 3, 'n' || i FROM generate_series(0, 11) AS i;
`, n))
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

func TestSQL(t *testing.T) {
	dsn := sqlDatabase(t, 3)
	objs := objects(t, ok(t, "", nil, "sql", "--dsn", dsn, "SELECT * FROM items ORDER BY id"))
	if len(objs) != 3 {
		t.Fatalf("%d rows, want 3", len(objs))
	}
	want := map[string]string{
		"id": "2", "name": "item 2", "amount": "2.50", "created": "2026-11-27T00:00:02Z",
		"tag": "c81e728d-9d4c-2f63-6f06-7f89cc14862c", "data": "AAAAAg==", "doc": "map[i:2]", "ratio": "0.5",
	}
	for k, v := range want {
		if got := fmt.Sprint(objs[1][k]); got != v {
			t.Errorf("column %s = %s, want %s", k, got, v)
		}
	}
	if _, ok := objs[0]["cursor"]; ok {
		t.Errorf("a plain query's row has a cursor: %v", objs[0])
	}
	// Column order is kept.
	if out := ok(t, "", nil, "sql", "--dsn", dsn, "SELECT 2 AS b, 1 AS a, NULL AS c"); out != `{"b":2,"a":1,"c":null}`+"\n" {
		t.Errorf("column order: %s", out)
	}
	text := ok(t, "", nil, "sql", "--dsn", dsn, "--format", "text", `SELECT id, name, data, NULL AS n FROM items WHERE id = 1`)
	if text != "1\titem 1\t\\x00000001\t\\N\n" {
		t.Errorf("--format text: %q", text)
	}
	// The DSN from the environment.
	if out := ok(t, "", []string{"DATABASE_URL=" + dsn}, "sql", "SELECT count(*) AS n FROM items"); out != `{"n":3}`+"\n" {
		t.Errorf("with $DATABASE_URL: %s", out)
	}
}

func TestSQLKeyset(t *testing.T) {
	dsn := sqlDatabase(t, 10)
	objs := objects(t, ok(t, "", nil, "sql", "keyset", "--dsn", dsn, "--page-size", "3", "public.items", "id"))
	if got := strings.Join(column(objs, "id"), ","); got != "1,2,3,4,5,6,7,8,9,10" {
		t.Errorf("ids %s", got)
	}
	for _, o := range objs {
		if o["cursor"] == nil {
			t.Fatalf("%v has no cursor", o)
		}
	}
	// Quoted names and a key of two columns, resumed after each row.
	args := []string{"sql", "keyset", "Mixed Case", "day", "seq", "--dsn", dsn, "--page-size", "5"}
	full := objects(t, ok(t, "", nil, args...))
	if len(full) != 12 || full[0]["day"] != "2026-11-01T00:00:00Z" || full[11]["note"] != "n11" {
		t.Fatalf("keyset of \"Mixed Case\": %v", full)
	}
	for i := 0; i < len(full); i += 4 {
		rest := objects(t, ok(t, "", nil, append(args, "--after", full[i]["cursor"].(string))...))
		if len(rest) != len(full)-i-1 || (len(rest) > 0 && rest[0]["note"] != full[i+1]["note"]) {
			t.Errorf("after row %d: %v", i, rest)
		}
	}
	if text := ok(t, "", nil, append(args, "--format", "text", "--limit", "2")...); text != "2026-11-01T00:00:00Z\t0\tn0\n2026-11-01T00:00:00Z\t1\tn1\n" {
		t.Errorf("--format text --limit 2: %q", text)
	}
}

func TestSQLKeysetInterrupt(t *testing.T) {
	dsn := sqlDatabase(t, 8000)
	args := []string{"sql", "keyset", "items", "id", "--dsn", dsn, "--page-size", "500"}
	full := ok(t, "", nil, args...)
	if n := len(lines(full)); n != 8000 {
		t.Fatalf("full run: %d lines", n)
	}
	interruptAndResume(t, nil, full, args...)
}

// The progress line of sql keyset shows the fraction done against the
// planner's estimate of the rows, and 100% at the end of a full read even
// where the estimate was off.
func TestSQLKeysetProgress(t *testing.T) {
	dsn := sqlDatabase(t, 3000)
	// Statistics that say 3000 rows, of a table that has 2000.
	conn := pgenv.Connect(t, dsn)
	if _, err := conn.Exec(context.Background(), `ALTER TABLE items SET (autovacuum_enabled = false); ANALYZE items; DELETE FROM items WHERE id > 2000`); err != nil {
		t.Fatal(err)
	}
	r := runBin(t, "", nil, "sql", "keyset", "items", "id", "--dsn", dsn, "--progress", "--format", "text")
	if r.code != 0 || !strings.Contains(r.stderr, "/3000, ") {
		t.Errorf("--progress: exit code %d, stderr %q; want the rows done of the 3000 the planner expects", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "sql 100%") || !strings.Contains(r.stderr, "(2000/2000, ") || !strings.Contains(r.stderr, "rows/s") {
		t.Errorf("--progress: stderr %q; want it to end at 100%%, 2000/2000, with a rate", r.stderr)
	}
}
