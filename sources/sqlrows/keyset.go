package sqlrows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cursor"
)

// A Table is what a keyset scan reads: the rows of From that satisfy
// Where, in the order of Key. From, Select, Where and Key are inserted
// into the SQL as written: they must come from the program, never from
// its input. Values come in through Args.
type Table struct {
	// From is what the rows are selected from: a table or view ("users",
	// "public.users"), or a subquery with an alias ("(SELECT …) AS t").
	From string

	// Select is the select list; "" means "*". The key columns need not
	// be in it, and it must not give another expression the name of a
	// key column: ORDER BY would take that one.
	Select string

	// Where, if not "", is a condition every row must satisfy. It may use
	// the placeholders $1…$n for Args.
	Where string
	Args  []any

	// Key lists the columns (or expressions) that order the scan, most
	// significant first, in ascending order. Together they must be unique
	// and never NULL: a NULL key, or two rows of one page with the same
	// key, is an error, but equal keys on either side of a page boundary
	// cannot be seen, and the scan would skip rows. An index on the key
	// makes each page a short index scan.
	Key []string
}

// KeysetOptions configure [Keyset] and [KeysetStream]. A nil
// *KeysetOptions means the defaults.
type KeysetOptions struct {
	// PageSize is the number of rows each page's query asks for; 0 means
	// 1000.
	PageSize int

	// After, if not "", is the cursor of a row of an earlier scan of the
	// same Table: the scan resumes strictly after it. A cursor the scan
	// cannot resume after is its only error, wrapping ErrBadCursor: one
	// that is not a cursor of this package, or of another version, or
	// holds another number of key values than Table.Key has columns
	// (found when Keyset is called), or one holding a value its key
	// column does not take (found by the first page's query, before any
	// row, where the server names the parameter, as PostgreSQL 13 and
	// later do in English; a server older, or whose lc_messages is
	// another language, reports it as the first page's *QueryError).
	After string

	// Limiter, if not nil, is waited on before each page's query, to
	// pace a scan that must not load the server: with
	// rate.NewLimiter(5, 1), of golang.org/x/time/rate, a scan runs at
	// most five page queries a second. Wait is called with the scan's
	// context; a context done while it waits ends the scan with the
	// context's error, and any other error of Wait with that error, each
	// as the page's *QueryError, which wraps it. The other queries of
	// the package (All, SQL, Rows) are one query each, which the caller
	// paces.
	Limiter sluice.Limiter
}

func (o *KeysetOptions) pageSize() int {
	if o == nil || o.PageSize == 0 {
		return 1000
	}
	return o.PageSize
}

func (o *KeysetOptions) after() string {
	if o == nil {
		return ""
	}
	return o.After
}

// A Row is a value read by a keyset scan, with its place in the scan.
type Row[T any] struct {
	Value T
	key   string   // the key's columns as the server sent them, encoded as appendKey does
	meta  *keyMeta // how to read them
}

// Cursor returns where r stands in its scan, for [KeysetOptions.After]:
// an opaque string, which encodes the text of r's key. It is computed
// when called, so that a scan pays for the cursors it uses only.
func (r Row[T]) Cursor() string {
	if r.meta == nil {
		return ""
	}
	texts, err := r.meta.texts(r.key)
	if err != nil {
		// The texts of the first key of r's page were made before any
		// row of it was yielded: those of another key of the same
		// types cannot fail.
		panic(err)
	}
	return cursorOf(texts)
}

// Keyset returns an iterator over the rows of t in the order of its key,
// each converted by scan, reading them in pages: each page is its own
// short query, (k1, k2, …) > (the last key read) ORDER BY k1, k2, …
// LIMIT PageSize, so that a scan of any length holds no transaction, no
// snapshot and no connection between pages. Each range starts afresh (at
// opts.After). Invalid input (a nil db or scan, a Table without From or
// Key, a negative PageSize, a bad After) is the iterator's only error,
// found when Keyset is called.
//
// Consistency: on a *pgx.Conn or a pool, each page sees the rows
// committed when its query starts, so a row inserted or updated during the
// scan is seen if its key is beyond the page being read when it commits,
// and not otherwise; a row deleted ahead of the scan is not seen; a row
// whose key changes may be seen twice or not at all. Every row present
// for the whole scan, with an unchanged key, is seen exactly once. For one
// snapshot over the whole scan, pass a pgx.Tx at REPEATABLE READ as db.
//
// When ctx is done the page's query is canceled as pgx cancels it and the
// iterator yields an error matching ctx.Err(). When a page fails (a
// dropped connection, a terminated backend), the iterator yields the error
// after the rows read so far: resume after the last of them.
func Keyset[T any](ctx context.Context, db Querier, t Table, scan pgx.RowToFunc[T], opts *KeysetOptions) iter.Seq2[Row[T], error] {
	k, err := newKeyset(db, t, scan, opts)
	if err != nil {
		return sluice.Fail[Row[T]](err)
	}
	return k.all(ctx)
}

// KeysetStream is the channel form of [Keyset]. Each page's query runs in
// the producer goroutine with a context that stop cancels.
func KeysetStream[T any](ctx context.Context, db Querier, t Table, scan pgx.RowToFunc[T], opts *KeysetOptions, sopts *sluice.StreamOptions) (<-chan Row[T], func() error) {
	k, err := newKeyset(db, t, scan, opts)
	if err != nil {
		return sluice.FailedStream[Row[T]](err)
	}
	return sluice.StreamFunc(ctx, k.all, sopts)
}

// keyset is a Keyset scan, its input checked: what every range of it
// starts from.
type keyset[T any] struct {
	db     Querier
	scan   pgx.RowToFunc[T]
	first  string   // the query of the first page
	next   string   // the query of the pages after a key
	args   []any    // t.Args
	key    []string // t.Key
	names  []string // for each key column, its name in the select list, or "" if appended
	extra  int      // the key columns the queries append to the select list
	page   int
	cursor string   // opts.After
	start  []string // the key cursor holds, nil for the start of the table
	limit  sluice.Limiter
}

// all returns the iterator of k.
func (k *keyset[T]) all(ctx context.Context) iter.Seq2[Row[T], error] {
	return func(yield func(Row[T], error) bool) {
		k.run(ctx, yield)
	}
}

// newKeyset checks the input of a keyset scan, before any I/O, and returns
// the scan.
func newKeyset[T any](db Querier, t Table, scan pgx.RowToFunc[T], opts *KeysetOptions) (*keyset[T], error) {
	switch {
	case db == nil:
		return nil, errNilDB
	case scan == nil:
		return nil, errNilScan
	case strings.TrimSpace(t.From) == "":
		return nil, errors.New("sqlrows: Table.From is empty; want a table, a view or an aliased subquery")
	case len(t.Key) == 0:
		return nil, errors.New("sqlrows: Table.Key lists no column; want the columns of a unique key")
	case opts.pageSize() < 1:
		return nil, fmt.Errorf("sqlrows: KeysetOptions.PageSize is %d; want 0 (1000) or more", opts.pageSize())
	}
	for i, c := range t.Key {
		if strings.TrimSpace(c) == "" {
			return nil, fmt.Errorf("sqlrows: Table.Key[%d] is %q; want a column or an expression", i, c)
		}
	}
	k := &keyset[T]{
		db:     db,
		scan:   scan,
		args:   slices.Clone(t.Args),
		key:    slices.Clone(t.Key),
		page:   opts.pageSize(),
		cursor: opts.after(),
		limit:  opts.limiter(),
	}
	if k.cursor != "" {
		start, err := decodeCursor(k.cursor, len(t.Key))
		if err != nil {
			return nil, err
		}
		k.start = start
	}
	k.names = selected(t)
	k.first, k.next, k.extra = keysetQueries(t, k.names, k.page)
	return k, nil
}

// identifier matches a column name that needs no quotes.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// selected returns, for each key column of t, its name if it is a plain
// column that t.Select surely returns under that name ("*", or an item of
// the list that is just the name), and "" otherwise. The key is read from
// the rows themselves where it can be: a column more, even an integer,
// costs a keyset scan a sixth of its speed.
func selected(t Table) []string {
	items := map[string]bool{}
	all := strings.TrimSpace(t.Select) == "" || strings.TrimSpace(t.Select) == "*"
	for _, item := range strings.Split(t.Select, ",") {
		items[strings.ToLower(strings.TrimSpace(item))] = true
	}
	names := make([]string, len(t.Key))
	for i, k := range t.Key {
		k = strings.TrimSpace(k)
		if identifier.MatchString(k) && (all || items[strings.ToLower(k)]) {
			names[i] = strings.ToLower(k) // as PostgreSQL names the column
		}
	}
	return names
}

// keysetQueries returns the SQL of the first page and of the pages after
// a key, and how many key columns it appends to the select list: those
// without a name in names.
func keysetQueries(t Table, names []string, page int) (first, next string, extra int) {
	sel, extra := selectList(t, names)
	first, next = keysetRange(t, "SELECT "+sel+" FROM "+t.From)
	tail := " ORDER BY " + keyList(t) + " LIMIT " + strconv.Itoa(page)
	return first + tail, next + tail, extra
}

// selectList returns the select list of t's pages: t.Select, then the key
// columns without a name in names, and how many of those it appends.
func selectList(t Table, names []string) (sel string, extra int) {
	sel = t.Select
	if strings.TrimSpace(sel) == "" {
		sel = "*"
	}
	for i, k := range t.Key {
		if names[i] == "" {
			// A name of its own: unnamed, (id / 4) would be named
			// ?column?, and (id) id, which would make ORDER BY id
			// ambiguous.
			extra++
			sel += ", (" + k + ") AS sluice_key_" + strconv.Itoa(extra)
		}
	}
	return sel, extra
}

// keyList returns t's key columns as the queries list them: "(k1), (k2)".
func keyList(t Table) string { return "(" + strings.Join(t.Key, "), (") + ")" }

// keysetRange returns head (a SELECT … FROM) restricted to the rows of
// t's scan, from its start (first) and after a key (next), whose values
// are the parameters after t.Args.
func keysetRange(t Table, head string) (first, next string) {
	params := make([]string, len(t.Key))
	for i := range params {
		params[i] = "$" + strconv.Itoa(len(t.Args)+i+1)
	}
	// A row comparison, which PostgreSQL matches against an index on
	// the key; each parameter takes its column's type from it.
	beyond := "(" + keyList(t) + ") > (" + strings.Join(params, ", ") + ")"
	if strings.TrimSpace(t.Where) == "" {
		return head, head + " WHERE " + beyond
	}
	where := " WHERE (" + t.Where + ")"
	return head + where, head + where + " AND " + beyond
}

// KeysetEstimate returns the number of rows the planner expects a Keyset
// scan of t with opts (its After) to yield: an estimate from the table's
// statistics, for a progress line or a plan, never a count. It asks
// PostgreSQL to EXPLAIN the scan, which runs nothing. Its input is
// checked as Keyset's is.
func KeysetEstimate(ctx context.Context, db Querier, t Table, opts *KeysetOptions) (int64, error) {
	k, err := newKeyset(db, t, func(pgx.CollectableRow) (struct{}, error) { return struct{}{}, nil }, opts)
	if err != nil {
		return 0, err
	}
	first, next := keysetRange(t, "SELECT 1 FROM "+t.From)
	query, args := first, k.args
	if k.start != nil {
		query, args = next, k.argsAfter(k.start)
	}
	n, err := explainRows(ctx, db, query, args)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return 0, k.pageError(ctx, query, pgErr, k.start != nil)
	}
	return n, err
}

// explainRows returns the number of rows the planner expects query to
// return. The error of the query is the server's, not wrapped.
func explainRows(ctx context.Context, db Querier, query string, args []any) (int64, error) {
	var plan []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	rows, err := db.Query(ctx, "EXPLAIN (FORMAT JSON) "+query, args...)
	if err != nil {
		return 0, queryError(ctx, query, err)
	}
	out, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[[]byte])
	if err != nil {
		return 0, queryError(ctx, query, err)
	}
	if err := json.Unmarshal(out, &plan); err != nil || len(plan) != 1 {
		return 0, fmt.Errorf("sqlrows: keyset: reading the plan of %s: %v", query, err)
	}
	return int64(plan[0].Plan.Rows), nil
}

// argsAfter returns the arguments of the query of the page after the key
// whose column texts are after: t.Args, then the texts.
func (k *keyset[T]) argsAfter(after []string) []any {
	args := make([]any, 0, len(k.args)+len(after))
	args = append(args, k.args...)
	for _, text := range after {
		args = append(args, text) // a string: pgx sends it as text, for the server to parse as the column's type
	}
	return args
}

// keyParam matches the context PostgreSQL gives the error of a query
// parameter it cannot take ("unnamed portal parameter $2 = '...'").
var keyParam = regexp.MustCompile(`^(?:unnamed portal|portal ".*") parameter \$([0-9]+)`)

// pageError returns the error of a page's query, or of the EXPLAIN of
// one: when the page is the first after k.cursor and the server refused
// the value of one of its key columns, a bad cursor; otherwise a
// QueryError.
func (k *keyset[T]) pageError(ctx context.Context, query string, err error, resumed bool) error {
	var pgErr *pgconn.PgError
	if !resumed || !errors.As(err, &pgErr) || sluice.ContextError(ctx) != nil {
		return queryError(ctx, query, err)
	}
	m := keyParam.FindStringSubmatch(pgErr.Where)
	if m == nil {
		return queryError(ctx, query, err)
	}
	i, _ := strconv.Atoi(m[1])
	i -= len(k.args) + 1 // the parameters after t.Args are the key's
	if i < 0 || i >= len(k.key) {
		return queryError(ctx, query, err)
	}
	return cursor.Bad(ErrBadCursor, k.cursor, fmt.Sprintf("its value for %s: %s", k.key[i], pgErr.Message))
}
