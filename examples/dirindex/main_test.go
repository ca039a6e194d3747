package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }

// row is a row of the table.
type row struct {
	Path string
	Line int64
	Text string
}

// tree writes a tree of text and other files under a new directory and
// returns it with the rows a complete index of it must hold, in the order
// of the table's ORDER BY path, line.
func tree(t *testing.T) (string, []row) {
	t.Helper()
	dir := t.TempDir()
	var want []row
	write := func(name, content string, lines ...string) {
		t.Helper()
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		for i, l := range lines {
			want = append(want, row{name, int64(i + 1), l})
		}
	}
	numbered := func(prefix string, n int) (string, []string) {
		var b strings.Builder
		var lines []string
		for i := 1; i <= n; i++ {
			l := fmt.Sprintf("%s line %d", prefix, i)
			lines = append(lines, l)
			b.WriteString(l + "\n")
		}
		return b.String(), lines
	}

	content, lines := numbered("big", 100)
	write("a/big.txt", content, lines...)
	content, lines = numbered("deep", 23)
	write("a/b/c/deep.md", content, lines...)
	write("a/b/empty.txt", "")
	write("a/b/no-newline.txt", "first\nsecond\nlast without newline", "first", "second", "last without newline")
	write("a/b/crlf.txt", "one\r\ntwo\r\n\r\nfour\r\n", "one", "two", "", "four")
	write("a/image.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
	write("a/latin1.txt", "caf\xe9\nna\xefve\n") // not UTF-8: not text
	write("a.txt", "a file beside the directory a\n", "a file beside the directory a")
	write("unicode/日本語.txt", "こんにちは\nÉté à Paris\n🙂 emoji\n", "こんにちは", "Été à Paris", "🙂 emoji")
	// A NUL and invalid UTF-8 past the first 8 KiB: text, with U+FFFD.
	head := strings.Repeat("x", 8<<10) + "\n"
	write("unicode/late-nul.log", head+"before\x00after\nbad \xff byte\n", head[:len(head)-1], "before\uFFFDafter", "bad \uFFFD byte")
	// A character cut by the 8 KiB boundary is still text.
	cut := strings.Repeat("y", 8<<10-1) + "é\nend\n"
	write("unicode/cut.txt", cut, strings.Repeat("y", 8<<10-1)+"é", "end")
	// A line over 1 MiB is left out; the lines around it are not.
	write("z/long.txt", "short\n"+strings.Repeat("L", 1<<20+1)+"\nafter\n", "short")
	want = append(want, row{"z/long.txt", 3, "after"})
	content, lines = numbered("zz", 40)
	write("z/zz.txt", content, lines...)
	if err := os.Symlink("../a/big.txt", filepath.Join(dir, "z", "link.txt")); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(want, walkOrder)
	return dir, want
}

// walkOrder orders rows as the index reads them: their files in the order
// of the walk (by the names of their paths, each directory's entries
// before its next sibling, so "a/b" before "a.txt"), then by line.
func walkOrder(a, b row) int {
	if c := slices.Compare(strings.Split(a.Path, "/"), strings.Split(b.Path, "/")); c != 0 {
		return c
	}
	return int(a.Line - b.Line)
}

// table returns the rows of table in walk order, and fails t if a (path,
// line) is there twice.
func table(t *testing.T, conn *pgx.Conn, table string) []row {
	t.Helper()
	r, err := conn.Query(context.Background(), `SELECT path, line, text FROM `+pgx.Identifier{table}.Sanitize())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := pgx.CollectRows(r, pgx.RowToStructByPos[row])
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(rows, walkOrder)
	for i := 1; i < len(rows); i++ {
		if rows[i].Path == rows[i-1].Path && rows[i].Line == rows[i-1].Line {
			t.Fatalf("%s holds line %d of %s twice", table, rows[i].Line, rows[i].Path)
		}
	}
	return rows
}

// checkpointOf returns the cursor saved for the index of dir into table.
func checkpointOf(t *testing.T, conn *pgx.Conn, dir, table string) cursor {
	t.Helper()
	var s string
	err := conn.QueryRow(context.Background(), "SELECT cursor FROM "+checkpoints+" WHERE name = $1", checkpointName(dir, pgx.Identifier{table})).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseCursor(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// diff describes the first differences between got and want, or returns "".
func diff(got, want []row) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d rows, want %d\n", len(got), len(want))
	n := 0
	for i := 0; i < max(len(got), len(want)) && n < 5; i++ {
		var g, w row
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(&b, "row %d: got %q:%d %.40q, want %q:%d %.40q\n", i, g.Path, g.Line, g.Text, w.Path, w.Line, w.Text)
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return b.String()
}

// TestIndex indexes the tree in one run, then in runs cut by a limit in
// the middle of files and resumed: both hold exactly the lines of the
// text files, once each.
func TestIndex(t *testing.T) {
	ctx := context.Background()
	dir, want := tree(t)
	dsn := pgenv.Database(t)
	conn := pgenv.Connect(t, dsn)

	var out strings.Builder
	if err := run(ctx, config{dsn: dsn, dir: dir, table: "full", batch: 1000}, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Logf("full run:\n%s", out.String())
	if d := diff(table(t, conn, "full"), want); d != "" {
		t.Fatalf("the full run's table differs:\n%s", d)
	}
	if msg := "skipping line 2 of z/long.txt: longer than"; !strings.Contains(out.String(), msg) {
		t.Errorf("the output does not say %q", msg)
	}

	// Batches of 7 lines, cut after 7k+3 lines: each cut commits up to a
	// batch's end, which falls inside a file for the files of more than
	// 7 lines.
	midFile := 0
	lineCount := map[string]int64{}
	for _, r := range want {
		lineCount[r.Path] = max(lineCount[r.Path], r.Line)
	}
	cfg := config{dsn: dsn, dir: dir, table: "cut", batch: 7}
	for i, limit := range []int{10, 24, 17, 31, 10, 45, 0} {
		cfg.limit = limit
		var out strings.Builder
		if err := run(ctx, cfg, &out); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out.String())
		}
		t.Logf("run %d:\n%s", i, out.String())
		if i > 0 && !strings.Contains(out.String(), "resuming after line") {
			t.Errorf("run %d did not resume", i)
		}
		if limit == 0 {
			break
		}
		c := checkpointOf(t, conn, dir, cfg.table)
		if c.N < lineCount[c.File] {
			midFile++
		}
		// The table holds exactly the lines of a full index up to the
		// checkpoint.
		got := table(t, conn, cfg.table)
		if len(got) == 0 || len(got) >= len(want) || want[len(got)-1].Path != c.File || want[len(got)-1].Line != c.N {
			t.Fatalf("run %d: the checkpoint is at %v, and the table holds %d rows", i, c, len(got))
		}
		if d := diff(got, want[:len(got)]); d != "" {
			t.Fatalf("run %d: the table differs from the start of a full index:\n%s", i, d)
		}
	}
	if midFile < 2 {
		t.Errorf("%d runs were cut in the middle of a file, want at least 2", midFile)
	}
	if d := diff(table(t, conn, "cut"), want); d != "" {
		t.Fatalf("the resumed runs' table differs:\n%s", d)
	}

	// Once complete, a run adds nothing.
	out.Reset()
	cfg.limit = 0
	if err := run(ctx, cfg, &out); err != nil {
		t.Fatal(err)
	}
	if msg := fmt.Sprintf("indexed 0 lines in 0 batches\ndone: \"cut\" holds %d lines of %d files\n", len(want), len(lineCount)); !strings.HasSuffix(out.String(), msg) {
		t.Errorf("a run after the end says:\n%s\nwant it to end with:\n%s", out.String(), msg)
	}
}

// TestMissingDir runs an index of a directory that does not exist, and of
// a file: each is one error naming it.
func TestMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nowhere")
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		dir:  "directory " + dir + " does not exist",
		file: file + " is not a directory",
	} {
		var out strings.Builder
		// The directory is checked before the database is reached.
		err := run(context.Background(), config{dsn: "postgres://nobody@127.0.0.1:1/none", dir: path, table: "t"}, &out)
		if err == nil || err.Error() != want {
			t.Errorf("run(%s) = %v, want %q", path, err, want)
		}
	}
}

func TestCursor(t *testing.T) {
	c := cursor{File: "a/b \"c\".txt", N: 42, Walk: "w1:/tmp/x/a/b \"c\".txt", Line: "l:1:2"}
	got, err := parseCursor(c.encode())
	if err != nil || got != c {
		t.Errorf("parseCursor(%s) = %+v, %v; want %+v", c.encode(), got, err, c)
	}
	if got, err := parseCursor(""); err != nil || got != (cursor{}) {
		t.Errorf(`parseCursor("") = %+v, %v; want the zero cursor`, got, err)
	}
	for _, bad := range []string{
		"x",
		`{"file":"a","n":1,"walk":"w"}`,
		`{"file":"a","n":1,"walk":"w","line":"l","extra":1}`,
		`{"file":"a","n":1,"walk":"w","line":"l"} {}`,
		`{"file":"","n":1,"walk":"w","line":"l"}`,
		`["a","w","l"]`,
	} {
		if _, err := parseCursor(bad); err == nil || !strings.Contains(err.Error(), "malformed cursor") {
			t.Errorf("parseCursor(%s) = %v, want a malformed cursor error", bad, err)
		}
	}
}
