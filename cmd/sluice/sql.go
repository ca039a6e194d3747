package main

import (
	"context"
	"fmt"
	"iter"
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
everything else (intervals, network addresses, ranges...) as its text. A
string that is not valid UTF-8 (possible in a SQL_ASCII database) is printed
as {"bytes":"<base64>"}, so that nothing is lost. The
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
	// Ten times sqlrows' default: the command reads whole tables, and a
	// page costs a round trip and a plan (issue 12).
	fs.IntVar(&o.pageSize, "page-size", 10000, "rows per page of sql keyset")
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
	rows := &rowScanner{}
	if !keyset {
		r.showProgress(0, false)
		src := streamBatches(ctx, r, func(ctx context.Context) iter.Seq2[sqlRow, error] {
			return sqlrows.All(ctx, pool, pos[0], nil, rows.scan)
		})
		return drive(ctx, r, src, sqlPrinter)
	}
	t := sqlrows.Table{From: quoteTable(pos[1])}
	for _, k := range pos[2:] {
		t.Key = append(t.Key, pgx.Identifier{k}.Sanitize())
	}
	kopts := &sqlrows.KeysetOptions{PageSize: o.pageSize, After: r.after}
	if r.wantsProgress() {
		// The planner's estimate of the rows to read, for the
		// fraction done; none if it cannot tell.
		n, _ := sqlrows.KeysetEstimate(ctx, pool, t, kopts)
		r.showProgress(n, false)
	}
	src := streamBatches(ctx, r, func(ctx context.Context) iter.Seq2[sqlrows.Row[sqlRow], error] {
		return sqlrows.Keyset(ctx, pool, t, rows.scan, kopts)
	})
	return drive(ctx, r, src, keysetPrinter)
}

// quoteTable quotes "name" or "schema.name" as identifiers.
func quoteTable(s string) string {
	return pgx.Identifier(strings.Split(s, ".")).Sanitize()
}
