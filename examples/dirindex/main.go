// Dirindex loads every line of every text file under a directory into a
// PostgreSQL table, as (path, line number, text), exactly once however
// often it is stopped: it walks the tree (sources/walkdir), scans each
// text file's lines (sources/scanner), writes them with COPY in batches
// (sinks/pgcopy), and commits each batch in one transaction with the
// cursor of its last line (checkpoint). Run again after a crash, a kill or
// a -limit, it first finishes the file it was in, from the line after the
// checkpoint, then walks on from the file after it. Outside the standard
// library and this module it compiles github.com/jackc/pgx/v5 and what
// that requires.
//
//	go run ./examples/dirindex -dsn "$DATABASE_URL" ~/src/project
//	psql "$DATABASE_URL" -c "SELECT path, line FROM dirindex_lines WHERE text LIKE '%TODO%'"
//
// The flags:
//
//	-dsn DSN     PostgreSQL connection string (default $DATABASE_URL, else the PG* variables)
//	-table T     the table to load, "schema.table" or "table" (default dirindex_lines)
//	-batch N     lines per batch, one transaction each (default 10000)
//	-limit N     stop after reading N lines, as a crash would (default 0: no limit)
//
// The table is created if it does not exist:
//
//	CREATE TABLE dirindex_lines (path text NOT NULL, line bigint NOT NULL, text text NOT NULL)
//
// path is the file's path relative to the directory, with "/" between
// names; line counts from 1. A table indexes one directory: the checkpoint,
// kept in the table dirindex_checkpoints under the name "dirindex DIR →
// table" (DIR made absolute), is per directory and table.
//
// # What is indexed
//
// Regular files only: symbolic links are neither followed nor indexed, and
// neither are devices, sockets or pipes. A file is text when its first
// 8 KiB hold no NUL byte and are valid UTF-8 (a character cut by the 8 KiB
// boundary allowed); other files, such as images, archives and files in
// other encodings, are skipped. An empty file is text, of no lines. Lines
// are split as bufio.ScanLines splits them: at "\n", a "\r" before it
// dropped, and a last line without "\n" is a line too. Beyond the first
// 8 KiB, invalid UTF-8 and NUL bytes in a line are stored as U+FFFD, which
// PostgreSQL text can hold. A line longer than 1 MiB is left out, and said
// so on the output, with its file and number.
//
// A directory or a file that cannot be read ends the run with an error
// naming it; a file removed between the walk and its reading is skipped.
//
// # Guarantee and cursors
//
// Each batch of lines and the cursor of its last line commit together or
// not at all, so after a stop at any instant the table holds exactly the
// lines up to the checkpoint, each once, and the next run continues right
// after it: when a run completes, the table holds each line of each text
// file once, provided the tree did not change meanwhile. Two runs must not
// index the same directory into the same table at once.
//
// A line's cursor is composite: where the walk stands (the walkdir cursor
// of the line's file) and where the scan of the file stands (the scanner
// cursor of the line), with the file's path. It is stored as a JSON object,
//
//	{"file":"docs/intro.txt","n":42,"walk":"<walkdir cursor>","line":"<scanner cursor>"}
//
// whose walk and line members are the opaque cursors of those packages,
// and n the line's number, for people reading it. A
// resumed run scans file from its line cursor (scanner Options.After),
// then walks strictly after its walk cursor (walkdir Options.After).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/sinks/pgcopy"
	"github.com/sluice-go/sluice/sources/scanner"
	"github.com/sluice-go/sluice/sources/walkdir"
)

type config struct {
	dsn   string
	dir   string
	table string
	batch int
	limit int // stop after reading this many lines; 0: no limit
}

func main() {
	var cfg config
	flag.StringVar(&cfg.dsn, "dsn", os.Getenv("DATABASE_URL"), "PostgreSQL connection string (default $DATABASE_URL, else the PG* variables)")
	flag.StringVar(&cfg.table, "table", "dirindex_lines", "the `table` to load, optionally schema-qualified")
	flag.IntVar(&cfg.batch, "batch", 10000, "lines per batch (one transaction each)")
	flag.IntVar(&cfg.limit, "limit", 0, "stop after reading `N` lines, as a crash would")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: dirindex [flags] DIR\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	log.SetFlags(0)
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	cfg.dir = flag.Arg(0)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		log.Fatalf("dirindex: %v", err)
	}
}

// checkpoints is the table of the checkpoints, in the target's database.
const checkpoints = "dirindex_checkpoints"

const schema = `CREATE TABLE IF NOT EXISTS %s (path text NOT NULL, line bigint NOT NULL, text text NOT NULL)`

func run(ctx context.Context, cfg config, out io.Writer) error {
	root, err := filepath.Abs(cfg.dir)
	if err != nil {
		return err
	}
	switch fi, err := os.Stat(root); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", cfg.dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", cfg.dir)
	}
	if cfg.table == "" {
		return errors.New("no table")
	}
	pool, err := pgxpool.New(ctx, cfg.dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	table := pgx.Identifier(strings.Split(cfg.table, "."))
	if _, err := pool.Exec(ctx, fmt.Sprintf(schema, table.Sanitize())); err != nil {
		return fmt.Errorf("creating table %s: %w", table.Sanitize(), err)
	}

	sink := &pgcopy.Sink[line]{
		Table:      table,
		Columns:    []string{"path", "line", "text"},
		Row:        func(l line) ([]any, error) { return []any{l.path, l.n, l.text}, nil },
		Cursor:     func(l line) string { return l.cursor.encode() },
		BatchRows:  cfg.batch,
		Checkpoint: pgstore.New(pool, checkpoints),
		Name:       checkpointName(root, table),
	}
	saved, err := sink.Load(ctx)
	if err != nil {
		return err
	}
	after, err := parseCursor(saved)
	if err != nil {
		return fmt.Errorf("checkpoint %q of %s: %w", sink.Name, checkpoints, err)
	}
	if saved != "" {
		fmt.Fprintf(out, "indexing %s into %s, resuming after %s\n", cfg.dir, table.Sanitize(), after)
	} else {
		fmt.Fprintf(out, "indexing %s into %s\n", cfg.dir, table.Sanitize())
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	res, err := sink.Write(ctx, pool, limit(lines(ctx, root, after, out), cfg.limit, cancel))
	fmt.Fprintf(out, "indexed %d lines in %d batches\n", res.Rows, res.Batches)
	if errors.Is(err, errLimit) {
		c, _ := parseCursor(res.Cursor)
		fmt.Fprintf(out, "stopped at the limit (%v) after %s; run again to resume\n", err, c)
		return nil
	}
	if err != nil {
		return err
	}
	var rows, files int64
	err = pool.QueryRow(ctx, fmt.Sprintf("SELECT count(*), count(DISTINCT path) FROM %s", table.Sanitize())).Scan(&rows, &files)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "done: %s holds %d lines of %d files\n", table.Sanitize(), rows, files)
	return nil
}

// checkpointName returns the name under which the index of root into table
// keeps its checkpoint.
func checkpointName(root string, table pgx.Identifier) string {
	return "dirindex " + root + " → " + table.Sanitize()
}

// A line is a row of the table, with its cursor.
type line struct {
	path   string // relative to the root, slash-separated
	n      int64
	text   string
	cursor cursor
}

// A cursor is where the index stands after a line: see the package
// documentation.
type cursor struct {
	File string `json:"file"` // the file's path relative to the root, slash-separated
	N    int64  `json:"n"`    // the line's number, for people: resuming ignores it
	Walk string `json:"walk"` // the walkdir cursor of the file
	Line string `json:"line"` // the scanner cursor of the line
}

// String returns where c stands, for people.
func (c cursor) String() string {
	if c.File == "" {
		return "the start"
	}
	return fmt.Sprintf("line %d of %s", c.N, c.File)
}

// encode returns the encoding of c, as it is stored in the checkpoint.
func (c cursor) encode() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // three strings always encode
	}
	return string(b)
}

// parseCursor decodes a checkpoint: "" is the zero cursor, the start.
func parseCursor(s string) (cursor, error) {
	var c cursor
	if s == "" {
		return c, nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.DisallowUnknownFields()
	if err := d.Decode(&c); err != nil || d.More() || c.File == "" || c.Walk == "" || c.Line == "" {
		return cursor{}, fmt.Errorf("malformed cursor %q: want a JSON object of the strings file, walk and line, and the number n", s)
	}
	return c, nil
}

// lines returns the lines of the text files under root, in walk order,
// after the cursor after: the rest of after's file from its line cursor,
// then the files the walk finds after it. Lines too long to index are
// reported on out.
func lines(ctx context.Context, root string, after cursor, out io.Writer) iter.Seq2[line, error] {
	return func(yield func(line, error) bool) {
		if after.File != "" {
			path := filepath.Join(root, filepath.FromSlash(after.File))
			err := scanFile(ctx, path, after.File, after.Walk, after.Line, out, yield)
			if err == errStop {
				return
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				yield(line{}, fmt.Errorf("resuming %s after the checkpoint: %w", after.File, err))
				return
			}
		}
		for e, err := range walkdir.Dir(ctx, root, &walkdir.Options{After: after.Walk}) {
			if err != nil {
				yield(line{}, err)
				return
			}
			if !e.Type().IsRegular() {
				continue
			}
			rel, err := filepath.Rel(root, e.Path)
			if err != nil {
				yield(line{}, err)
				return
			}
			rel = filepath.ToSlash(rel)
			switch text, err := isText(e.Path); {
			case errors.Is(err, fs.ErrNotExist):
				continue // removed since the walk listed it
			case err != nil:
				yield(line{}, err)
				return
			case !text:
				continue
			}
			err = scanFile(ctx, e.Path, rel, e.Cursor(), "", out, yield)
			if err == errStop {
				return
			}
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				yield(line{}, err)
				return
			}
		}
	}
}

// errStop says that yield returned false.
var errStop = errors.New("stop")

// scanFile yields the lines of the file at path after the scanner cursor
// after ("": all), as lines of the file rel whose walk cursor is walk. It
// returns errStop when yield returns false, and the scan's error, if any,
// without yielding it.
func scanFile(ctx context.Context, path, rel, walk, after string, out io.Writer, yield func(line, error) bool) error {
	opts := &scanner.Options{
		After: after,
		OnTooLong: func(e *scanner.TooLongError) error {
			fmt.Fprintf(out, "skipping line %d of %s: longer than %d bytes\n", e.Line, rel, e.Max)
			return nil
		},
	}
	for tok, err := range scanner.File(ctx, path, opts) {
		if err != nil {
			return err
		}
		l := line{path: rel, n: tok.Line, text: toText(tok.Bytes), cursor: cursor{File: rel, N: tok.Line, Walk: walk, Line: tok.Cursor()}}
		if !yield(l, nil) {
			return errStop
		}
	}
	return nil
}

// sniffSize is how much of a file isText reads.
const sniffSize = 8 << 10

// isText reports whether the file at path looks like text: no NUL byte in
// its first 8 KiB, which are valid UTF-8 but for a character cut at their
// end.
func isText(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, sniffSize)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return false, err
	}
	buf = buf[:n]
	if bytes.IndexByte(buf, 0) >= 0 {
		return false, nil
	}
	if n == sniffSize {
		// Drop a last character that the boundary may have cut: at most
		// utf8.UTFMax-1 bytes after the last rune start.
		for i := 1; i < utf8.UTFMax && i <= n; i++ {
			if utf8.RuneStart(buf[n-i]) {
				if !utf8.FullRune(buf[n-i:]) {
					buf = buf[:n-i]
				}
				break
			}
		}
	}
	return utf8.Valid(buf), nil
}

// toText returns b as a string PostgreSQL text accepts: valid UTF-8
// without NUL bytes, each invalid sequence or NUL made U+FFFD.
func toText(b []byte) string {
	if utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 {
		return string(b)
	}
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "\uFFFD")
}

var errLimit = errors.New("-limit reached")

// limit passes seq on and, after n values, cancels the run with errLimit,
// as a crash would stop it: in the middle of a batch.
func limit[V any](seq iter.Seq2[V, error], n int, cancel context.CancelCauseFunc) iter.Seq2[V, error] {
	if n <= 0 {
		return seq
	}
	return func(yield func(V, error) bool) {
		i := 0
		for v, err := range seq {
			if !yield(v, err) || err != nil {
				return
			}
			if i++; i == n {
				cancel(errLimit)
			}
		}
	}
}
