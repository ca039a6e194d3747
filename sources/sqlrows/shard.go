package sqlrows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/shard"
)

// A KeysetSharder cuts a keyset scan into shards: contiguous ranges of its
// key, each read by a [KeysetReader] as [Keyset] reads the whole table, in
// pages. It implements shard.Source[Row[T]].
//
// A shard's Start and End are key tuples, encoded as a Row's Cursor is:
// the shard holds the rows whose key has (k1, k2, …) >= Start and
// (k1, k2, …) < End, both compared by PostgreSQL in the key's own order
// (its types, its collations), never by Go. Its Source is
// "sqlrows.keyset:" + Table.From + ":" + the key columns joined by commas:
// the sharder of another Table.Where or Select of the same key opens it.
//
// Its methods are safe for concurrent use.
type KeysetSharder[T any] struct {
	k      *keyset[T]
	t      Table // Args and Key cloned
	source string
}

// NewKeysetSharder returns a sharder of the keyset scan of t, its rows
// converted by scan, in pages of opts.PageSize rows. Its input is checked
// as Keyset's is, before any I/O, and opts.After must be "": a shard
// carries its own cursor.
//
// A reader split while it is being read (see [KeysetReader.Split])
// queries db from another goroutine while a page's rows are open: db must
// then be a pool (*pgxpool.Pool), not a *pgx.Conn or a pgx.Tx, which take
// one query at a time.
func NewKeysetSharder[T any](db Querier, t Table, scan pgx.RowToFunc[T], opts *KeysetOptions) (*KeysetSharder[T], error) {
	if opts.after() != "" {
		return nil, errors.New("sqlrows: KeysetOptions.After is set for a sharder; want \"\": each shard carries its own cursor (shard.Shard.Cursor)")
	}
	k, err := newKeyset(db, t, scan, opts)
	if err != nil {
		return nil, err
	}
	t.Args, t.Key = k.args, k.key
	return &KeysetSharder[T]{k: k, t: t, source: "sqlrows.keyset:" + t.From + ":" + strings.Join(t.Key, ",")}, nil
}

// Split returns up to n shards that together cover the scan exactly: the
// first from the start of the key, each next one from the End of the one
// before, the last to the end of the key. The cover is exact whatever the
// cut points are, since each row's key lies in exactly one [Start, End);
// the sizes of the shards are estimates.
//
// The cut points come from the table's own statistics when the key is a
// single column of a table that ANALYZE has given a histogram of at least
// n buckets (pg_stats.histogram_bounds, each bucket holding about as many
// rows): Split then reads nothing of the table. Otherwise (a composite
// key, no statistics, a view or a subquery, more shards than buckets)
// they are quantiles of a sample of the keys, numbered by the server: of
// at least 10,000 rows (and 20 a shard) and, of a table, 256 of its blocks
// (TABLESAMPLE SYSTEM, which reads only those); of a view or a subquery,
// rows drawn by random() in a full scan. A scan the planner
// expects to hold fewer rows is read whole. Equal cut points are merged,
// so a small table gives fewer shards than n. An n below 1 is an error.
//
// Both histogram and sample count rows, not key space: a key with most
// rows in a narrow range is cut where its rows are. But they leave out
// Table.Where, and may be older than the rows: shards of a table much
// changed since its last ANALYZE, or of a Where that keeps few rows, can
// be far from even.
func (s *KeysetSharder[T]) Split(ctx context.Context, n int) ([]shard.Shard, error) {
	if n < 1 {
		return nil, fmt.Errorf("sqlrows: KeysetSharder.Split(%d): want 1 shard or more", n)
	}
	if err := sluice.ContextError(ctx); err != nil {
		return nil, err
	}
	var cuts [][]string
	if n > 1 {
		var err error
		if cuts, err = s.cuts(ctx, n); err != nil {
			return nil, err
		}
	}
	shards := make([]shard.Shard, 0, len(cuts)+1)
	start := ""
	for _, c := range cuts {
		end := cursorOf(c)
		shards = append(shards, shard.Shard{Source: s.source, Start: start, End: end})
		start = end
	}
	return append(shards, shard.Shard{Source: s.source, Start: start}), nil
}

// Open returns a reader of sh, a shard of this sharder's Split or of one
// of its readers' Split. A shard of another source, or whose Start, End
// or Cursor is not a key tuple of Table.Key's length, is an error wrapping
// shard.ErrBadShard (and, for a bad position, ErrBadCursor), found before
// any I/O.
//
// Whether Cursor lies in [Start, End) takes the server to tell: a Cursor
// before Start is refused by the reader's first page, before any row, as
// an error wrapping shard.ErrBadShard and ErrBadCursor; one at or after
// End reads as a shard with nothing left.
func (s *KeysetSharder[T]) Open(sh shard.Shard) (shard.Reader[Row[T]], error) {
	r, err := s.open(sh)
	if err != nil {
		return nil, err // not a nil *KeysetReader in a non-nil Reader
	}
	return r, nil
}

func (s *KeysetSharder[T]) open(sh shard.Shard) (*KeysetReader[T], error) {
	if sh.Source != s.source {
		return nil, fmt.Errorf("%w: its source is %q, this sharder's %q", shard.ErrBadShard, sh.Source, s.source)
	}
	r := &KeysetReader[T]{s: s, sh: sh}
	for _, p := range []struct {
		name string
		pos  string
		to   *[]string
	}{{"Start", sh.Start, &r.start}, {"End", sh.End, &r.end}, {"Cursor", sh.Cursor, &r.cursor}} {
		if p.pos == "" {
			continue
		}
		texts, err := decodeCursor(p.pos, len(s.t.Key))
		if err != nil {
			return nil, fmt.Errorf("%w: its %s: %w", shard.ErrBadShard, p.name, err)
		}
		*p.to = texts
	}
	k := *s.k
	k.cursor = sh.Cursor
	r.k = &k
	return r, nil
}

// A keyRange is a part of a scan's key order: the keys after lower (from
// lower, when inclusive), and before upper. A nil bound is the start or
// the end of the key.
type keyRange struct {
	lower     []string
	inclusive bool
	upper     []string

	// For errors: the shard's fields the bounds come from ("" for a key
	// the server printed) and their encoded forms.
	lowerName, lowerPos, upperPos string
}

// where returns the WHERE clause ("" or " WHERE …") of t's rows in kr, and
// the arguments of its placeholders: t.Args, then the texts of lower, then
// those of upper, for the server to parse as the key columns' types.
func (kr keyRange) where(t Table) (string, []any) {
	args := slices.Clone(t.Args)
	var conds []string
	if strings.TrimSpace(t.Where) != "" {
		conds = append(conds, "("+t.Where+")")
	}
	bound := func(op string, texts []string) {
		params := make([]string, len(texts))
		for i, text := range texts {
			args = append(args, text)
			params[i] = "$" + strconv.Itoa(len(args))
		}
		// A row comparison, as keysetRange's, which an index on the key
		// answers.
		conds = append(conds, "("+keyList(t)+") "+op+" ("+strings.Join(params, ", ")+")")
	}
	switch {
	case kr.lower == nil:
	case kr.inclusive:
		bound(">=", kr.lower)
	default:
		bound(">", kr.lower)
	}
	if kr.upper != nil {
		bound("<", kr.upper)
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// keyTexts returns a select list of t's key columns as text, as a cursor
// holds them: "(k1)::text, (k2)::text".
func keyTexts(t Table) string {
	items := make([]string, len(t.Key))
	for i, k := range t.Key {
		items[i] = "(" + k + ")::text AS sluice_key_" + strconv.Itoa(i+1)
	}
	return strings.Join(items, ", ")
}

// queryKeys runs query and returns the key texts of its rows, each row
// holding the len(t.Key) columns keyTexts lists.
func (s *KeysetSharder[T]) queryKeys(ctx context.Context, query string, args []any) ([][]string, error) {
	rows, err := s.k.db.Query(ctx, query, args...)
	if err != nil {
		return nil, queryError(ctx, query, err)
	}
	defer rows.Close()
	var keys [][]string
	cols := make([]*string, len(s.t.Key))
	dest := make([]any, len(cols))
	for i := range cols {
		dest[i] = &cols[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, queryError(ctx, query, err)
		}
		key := make([]string, len(cols))
		for i, c := range cols {
			if c == nil {
				return nil, errNullKey
			}
			key[i] = *c
		}
		keys = append(keys, key)
	}
	if err := rowsEnd(ctx, rows); err != nil {
		return nil, queryError(ctx, query, err)
	}
	return keys, nil
}
