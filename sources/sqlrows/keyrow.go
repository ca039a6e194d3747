package sqlrows

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sluice-go/sluice"
)

var errNullKey = errors.New("sqlrows: keyset: a key column is NULL; keyset pages need a key that is never NULL")

// run reads the pages of k, yielding their rows, until a page comes back
// short, the loop stops, or an error.
func (k *keyset[T]) run(ctx context.Context, yield func(Row[T], error) bool) {
	row := &keyedRow{names: k.names, extra: k.extra}
	after, resumed := k.start, k.start != nil
	for {
		query, args := k.first, k.args
		if after != nil {
			query, args = k.next, k.argsAfter(after)
		}
		n, last, ok := k.readPage(ctx, query, args, resumed, row, yield)
		if !ok || n < k.page {
			return
		}
		after, resumed = last, false
	}
}

// readPage runs one page's query and yields its rows. It returns how many
// rows it read, the texts of the last one's key, and false when the scan
// must end (the loop stopped, or an error was yielded). resumed says the
// page is the first after k.cursor.
func (k *keyset[T]) readPage(ctx context.Context, query string, args []any, resumed bool, row *keyedRow, yield func(Row[T], error) bool) (int, []string, bool) {
	fail := func(err error) (int, []string, bool) {
		yield(Row[T]{}, k.pageError(ctx, query, err, resumed))
		return 0, nil, false
	}
	if err := sluice.ContextError(ctx); err != nil {
		return fail(err)
	}
	if err := k.wait(ctx); err != nil {
		return fail(err)
	}
	rows, err := k.db.Query(ctx, query, args...)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	row.reset(rows)
	n := 0
	var last string
	for rows.Next() {
		if err := sluice.ContextError(ctx); err != nil {
			return fail(err)
		}
		key, err := row.key()
		if err != nil {
			return fail(err)
		}
		if n == 0 {
			// Make sure the key's texts can be made, so that Cursor,
			// which cannot return an error, will not meet one.
			if _, err := row.meta.texts(key); err != nil {
				return fail(err)
			}
		}
		if key == last {
			texts, _ := row.meta.texts(key)
			return fail(fmt.Errorf("sqlrows: keyset: two rows have the key %q; the key must be unique", texts))
		}
		v, err := k.scan(row)
		if err != nil {
			return fail(err)
		}
		n++
		last = key
		if !yield(Row[T]{Value: v, key: key, meta: row.meta}, nil) {
			return n, nil, false
		}
	}
	if err := rowsEnd(ctx, rows); err != nil {
		return fail(err)
	}
	if n == 0 {
		return 0, nil, true
	}
	texts, err := row.meta.texts(last)
	if err != nil {
		return fail(err)
	}
	return n, texts, true
}

// keyMeta says how to read the key columns of a page's rows: their types
// and the format the server sent them in.
type keyMeta struct {
	oids    []uint32
	formats []int16
}

// maps holds type maps for keyMeta.texts. Each pgx connection has its
// own, which is not safe for concurrent use, while Row.Cursor may be
// called in any goroutine; the default map knows every type pgx reads in
// binary (a type it does not know comes as text).
var maps = sync.Pool{New: func() any { return pgtype.NewMap() }}

// texts returns the text of each column of an encoded key, as PostgreSQL
// would print it and parses it back: what a cursor holds.
func (m *keyMeta) texts(key string) ([]string, error) {
	parts, err := splitKey([]byte(key))
	if err != nil || len(parts) != len(m.oids) {
		return nil, fmt.Errorf("sqlrows: keyset: malformed key %q", key) // cannot happen
	}
	var tm *pgtype.Map
	for i, raw := range parts {
		if m.formats[i] == pgx.TextFormatCode {
			continue
		}
		if tm == nil {
			tm = maps.Get().(*pgtype.Map)
			defer maps.Put(tm)
		}
		text, err := asText(tm, m.oids[i], []byte(raw))
		if err != nil {
			return nil, fmt.Errorf("sqlrows: keyset: key column %d: %w", i+1, err)
		}
		parts[i] = text
	}
	return parts, nil
}

// asText converts a value sent in binary to its text.
func asText(tm *pgtype.Map, oid uint32, raw []byte) (string, error) {
	t, ok := tm.TypeForOID(oid)
	if !ok {
		return "", fmt.Errorf("type OID %d is not one pgx knows; use Key: (column)::text", oid)
	}
	v, err := t.Codec.DecodeValue(tm, oid, pgx.BinaryFormatCode, raw)
	if err != nil {
		return "", err
	}
	text, err := tm.Encode(oid, pgx.TextFormatCode, v, nil)
	return string(text), err
}

// keyedRow is a row of a keyset page as the scan function sees it: without
// the key columns the page's query appends to the select list.
type keyedRow struct {
	pgx.Rows
	names []string // keyset.names
	extra int      // keyset.extra
	ncol  int      // the columns of the select list, -1 until known
	pos   []int    // the column of each key column
	meta  *keyMeta
	dest  []any  // for Scan: the caller's destinations, then nils
	arena []byte // the encoded keys of the page's rows, one after another
}

func (r *keyedRow) reset(rows pgx.Rows) {
	r.Rows, r.ncol, r.meta = rows, -1, nil
	// A new arena for each page, as large as the last page's: the rows
	// yielded before keep theirs.
	r.arena = make([]byte, 0, max(len(r.arena), 1024))
}

// layout finds the key columns among the page's columns.
func (r *keyedRow) layout() error {
	fds := r.Rows.FieldDescriptions()
	r.ncol = len(fds) - r.extra
	if r.ncol < 0 {
		return errors.New("sqlrows: keyset: the page's rows lack the key columns")
	}
	r.pos = r.pos[:0]
	m := &keyMeta{}
	appended := r.ncol
	for _, name := range r.names {
		i := appended
		if name == "" {
			appended++
		} else if i = columnIndex(fds[:r.ncol], name); i < 0 {
			return fmt.Errorf("sqlrows: keyset: key column %q is not among the columns of the select list", name)
		}
		r.pos = append(r.pos, i)
		m.oids = append(m.oids, fds[i].DataTypeOID)
		m.formats = append(m.formats, fds[i].Format)
	}
	r.meta = m
	return nil
}

func columnIndex(fds []pgconn.FieldDescription, name string) int {
	for i, fd := range fds {
		if fd.Name == name {
			return i
		}
	}
	return -1
}

// key returns the encoded key of the current row.
func (r *keyedRow) key() (string, error) {
	if r.ncol < 0 {
		if err := r.layout(); err != nil {
			return "", err
		}
	}
	raw := r.Rows.RawValues()
	start := len(r.arena)
	for _, i := range r.pos {
		if raw[i] == nil {
			r.arena = r.arena[:start]
			return "", errNullKey
		}
		r.arena = appendKey(r.arena, raw[i])
	}
	key := r.arena[start:]
	// The keys of a page share the arena instead of a string each: bytes
	// below len(r.arena) are never written again (an append that outgrows
	// it moves on to a new array), so the strings stay as they were made.
	return unsafe.String(unsafe.SliceData(key), len(key)), nil
}

func (r *keyedRow) FieldDescriptions() []pgconn.FieldDescription {
	return r.Rows.FieldDescriptions()[:r.ncol]
}

func (r *keyedRow) RawValues() [][]byte { return r.Rows.RawValues()[:r.ncol] }

func (r *keyedRow) Values() ([]any, error) {
	v, err := r.Rows.Values()
	if len(v) > r.ncol {
		v = v[:r.ncol]
	}
	return v, err
}

// Scan scans the select list's columns into dest, skipping the key
// columns appended to it.
func (r *keyedRow) Scan(dest ...any) error {
	if len(dest) == 1 {
		if rs, ok := dest[0].(pgx.RowScanner); ok {
			return rs.ScanRow(r)
		}
	}
	if r.extra == 0 {
		return r.Rows.Scan(dest...)
	}
	if len(dest) != r.ncol {
		return fmt.Errorf("sqlrows: keyset: %d scan destinations for the %d columns of the select list", len(dest), r.ncol)
	}
	r.dest = append(r.dest[:0], dest...)
	for range r.extra {
		r.dest = append(r.dest, nil) // nil skips a column
	}
	return r.Rows.Scan(r.dest...)
}
