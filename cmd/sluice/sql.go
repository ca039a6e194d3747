package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/sources/sqlrows"
)

var sqlCommand = &command{
	name:     "sql",
	synopsis: sqlSynopsis,
	summary:  "the rows of a PostgreSQL query, or of a table in keyset pages",
	run:      runSQL,
	flags:    func(*env) *flagSet { fs, _ := sqlFlags(); return fs },
}

const sqlSynopsis = "sql [flags] QUERY\n       sluice sql keyset [flags] TABLE KEY..."

const sqlAbout = `
Sql prints the rows of QUERY, or, with keyset, the rows of TABLE (a table or
view, "name" or "schema.name", taken as identifiers) in the order of its key
columns KEY..., read in pages of --page-size rows, each page a short query
"WHERE (KEY...) > (the last key) ORDER BY KEY... LIMIT n". The key columns
must be unique and never NULL together; an index on them keeps each page fast.

Each line is the row as a JSON object, its columns in order; a keyset row
also has "cursor" (give a column of that name another one with sql
keyset, through a view):

	{"id":42,"name":"ada","balance":"12.50","created":"2026-11-27T10:00:00Z","cursor":"…"}

Values map to JSON as pgx decodes them: numbers, strings, booleans and null
as they are, except numeric (a string, exact), NaN and ±Infinity floats
(strings), timestamps and dates (RFC 3339 strings), uuid (its text form),
bytea (base64), json and jsonb (the JSON itself), arrays (arrays), and
everything else (intervals, network addresses, ranges...) as its text. The
text format prints the values separated by tabs, NULL as \N and bytea as
\x and hex.

A plain QUERY has no cursor: --after and --checkpoint need sql keyset.

The connection string is --dsn, else $DATABASE_URL, else pgx's defaults and
the PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD... variables. A connection
attempt gives up after 5 seconds unless the string sets connect_timeout.`

type sqlOptions struct {
	dsn      string
	pageSize int
}

func sqlFlags() (*flagSet, *sqlOptions) {
	fs := newFlagSet("sql", sqlSynopsis, sqlAbout)
	o := &sqlOptions{}
	fs.StringVar(&o.dsn, "dsn", "", "PostgreSQL connection `string` (URL or key=value; default $DATABASE_URL, else the PG* variables)")
	fs.IntVar(&o.pageSize, "page-size", 1000, "rows per page of sql keyset")
	return fs, o
}

func runSQL(ctx context.Context, e *env, args []string) error {
	fs, o := sqlFlags()
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	keyset := len(pos) > 0 && pos[0] == "keyset"
	switch {
	case keyset && len(pos) < 3:
		return usageErrorf("sql", "want sql keyset TABLE KEY...")
	case !keyset && len(pos) != 1:
		return usageErrorf("sql", "want one query (quote it), got %d arguments", len(pos))
	case o.pageSize < 1:
		return usageErrorf("sql", "--page-size %d: want 1 or more", o.pageSize)
	}
	if !keyset {
		if err := fs.noCursor("a query has no cursor; use sql keyset TABLE KEY... to resume"); err != nil {
			return err
		}
	}

	dsn := o.dsn
	if dsn == "" {
		dsn = os.Getenv("DATABASE_URL")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("bad connection string: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	}
	cfg.MaxConns = 2

	ident := ""
	if keyset {
		ident = fmt.Sprintf("sql keyset %s %s on %s:%d/%s", pos[1], strings.Join(pos[2:], " "),
			cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	}
	r, err := start(e, fs, "sql", ident)
	if err != nil {
		return err
	}
	defer r.close()
	if r.done {
		return nil
	}

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := pool.Ping(ctx); err != nil {
		if ctx.Err() != nil {
			return &interruptedError{cursor: r.after, cursors: keyset}
		}
		return fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	if !keyset {
		so := r.streamOptions()
		ch, stop := sqlrows.Stream(ctx, pool, pos[0], nil, scanRow, &so)
		return drive(ctx, r, ch, stop, func(row sqlRow) record { return row.record() })
	}
	t := sqlrows.Table{From: quoteTable(pos[1])}
	for _, k := range pos[2:] {
		t.Key = append(t.Key, pgx.Identifier{k}.Sanitize())
	}
	ch, stop := sqlrows.KeysetStream(ctx, pool, t, scanRow, &sqlrows.KeysetOptions{PageSize: o.pageSize, After: r.after, StreamOptions: r.streamOptions()})
	return drive(ctx, r, ch, stop, func(row sqlrows.Row[sqlRow]) record {
		rec := row.Value.record()
		rec.cursor = row.Cursor()
		return rec
	})
}

// quoteTable quotes "name" or "schema.name" as identifiers.
func quoteTable(s string) string {
	return pgx.Identifier(strings.Split(s, ".")).Sanitize()
}

// A sqlRow is a row as pgx decodes it, with its column names.
type sqlRow struct {
	names  []string
	values []any
}

func scanRow(row pgx.CollectableRow) (sqlRow, error) {
	values, err := row.Values()
	if err != nil {
		return sqlRow{}, err
	}
	fds := row.FieldDescriptions()
	r := sqlRow{names: make([]string, len(fds)), values: values}
	for i, fd := range fds {
		r.names[i] = fd.Name
	}
	return r, nil
}

func (r sqlRow) record() record {
	rec := record{fields: make([]field, len(r.values))}
	text := make([]string, len(r.values))
	for i, v := range r.values {
		v = jsonValue(v)
		rec.fields[i] = field{r.names[i], v}
		text[i] = textValue(v)
	}
	rec.text = strings.Join(text, "\t")
	return rec
}
