package sqlrows

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var errNullKey = errors.New("sqlrows: keyset: a key column is NULL; keyset pages need a key that is never NULL")

// run reads the pages of k, yielding their rows, until a page comes back
// short, the loop stops, or an error.
func (k *keyset[T]) run(ctx context.Context, yield func(Row[T], error) bool) {
	row := &keyedRow{}
	for {
		query := k.first
		if k.after != nil {
			query = k.next
		}
		n, ok := k.readPage(ctx, query, row, yield)
		if !ok || n < k.page {
			return
		}
	}
}

// readPage runs one page's query and yields its rows. It returns how many
// rows it read, and false when the scan must end (the loop stopped, or an
// error was yielded).
func (k *keyset[T]) readPage(ctx context.Context, query string, row *keyedRow, yield func(Row[T], error) bool) (int, bool) {
	fail := func(err error) (int, bool) {
		yield(Row[T]{}, queryError(ctx, query, err))
		return 0, false
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	rows, err := k.db.Query(ctx, query, k.args...)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	row.reset(rows, k.nkey)
	done := ctx.Done()
	n := 0
	var last string
	for rows.Next() {
		select {
		case <-done:
			return fail(ctx.Err())
		default:
		}
		key, err := row.key()
		if err != nil {
			return fail(err)
		}
		if key == last {
			return fail(fmt.Errorf("sqlrows: keyset: two rows have the key %v; the key must be unique", row.texts()))
		}
		v, err := k.scan(row)
		if err != nil {
			return fail(err)
		}
		n++
		last = key
		if !yield(Row[T]{Value: v, key: key}, nil) {
			return n, false
		}
	}
	if err := rows.Err(); err != nil || ctx.Err() != nil {
		return fail(err)
	}
	if n > 0 {
		texts, err := splitKey("", []byte(last), k.nkey)
		if err != nil {
			return fail(err) // cannot happen: last was encoded by row.key
		}
		k.setAfter(texts)
	}
	return n, true
}

// keyedRow is a row of a keyset page as the scan function sees it: without
// the key texts the page's query appends to the select list.
type keyedRow struct {
	pgx.Rows
	nkey int   // the key texts at the end of each row
	ncol int   // the columns of the select list, -1 until known
	dest []any // for Scan: the caller's destinations, then nils
	buf  []byte
}

func (r *keyedRow) reset(rows pgx.Rows, nkey int) {
	r.Rows, r.nkey, r.ncol = rows, nkey, -1
}

// key returns the encoded texts of the row's key columns.
func (r *keyedRow) key() (string, error) {
	raw := r.Rows.RawValues()
	if r.ncol < 0 {
		r.ncol = len(r.Rows.FieldDescriptions()) - r.nkey
	}
	if r.ncol < 0 || r.ncol+r.nkey != len(raw) {
		return "", errors.New("sqlrows: keyset: the page's rows lack the key columns")
	}
	r.buf = r.buf[:0]
	for _, text := range raw[r.ncol:] {
		if text == nil {
			return "", errNullKey
		}
		r.buf = appendKey(r.buf, text)
	}
	return string(r.buf), nil
}

// texts returns the current row's key texts, for messages.
func (r *keyedRow) texts() []string {
	var s []string
	for _, text := range r.Rows.RawValues()[r.ncol:] {
		s = append(s, string(text))
	}
	return s
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

// Scan scans the select list's columns into dest, skipping the key texts.
func (r *keyedRow) Scan(dest ...any) error {
	if len(dest) == 1 {
		if rs, ok := dest[0].(pgx.RowScanner); ok {
			return rs.ScanRow(r)
		}
	}
	if len(dest) != r.ncol {
		return fmt.Errorf("sqlrows: keyset: %d scan destinations for the %d columns of the select list", len(dest), r.ncol)
	}
	r.dest = append(r.dest[:0], dest...)
	for range r.nkey {
		r.dest = append(r.dest, nil) // nil skips a column
	}
	return r.Rows.Scan(r.dest...)
}
