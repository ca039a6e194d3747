package sqlrows_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"go.uber.org/goleak"
	"iter"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

const conformanceRows = 10

// settleOpts gives a canceled query's connection 16 s, not the suite's
// default of 1 s, to be destroyed and its goroutines to end: pgx closes a
// connection whose query was canceled asynchronously, sending the server
// a cancel request and a Terminate and reading until the server closes
// (pgconn's asyncClose; jackc/pgx#2584), and a loaded server took more
// than a second to do so in a CI run (Keyset/TwoColumns/StreamStall),
// whose stream had ended at once, and in runs beside other test processes
// (SQL/StreamStall, SQLRows/Stall: database/sql's driver is pgx too).
// The suite has one bound for both, so the end of a canceled stream is
// held to that bound too, for every form; a stream that ignored ctx
// would still fail it, since the stalled query sleeps for an hour. It was
// 3 s until the Keyset/Shard reader's StreamStall left its canceled
// connection in pgx's asyncClose for longer in a fresh-clone run beside
// other test processes (load 12), then 5 s, until the same check failed
// at 5 s in a fresh-clone run of ./test.sh alone. 16 s is the bound pgx
// itself keeps: asyncClose gives up on the server at 15 s. The likely
// cause of the long waits is PostgreSQL's: a cancel request that its
// backend takes while still reading the query (DoingCommandRead in
// ProcessInterrupts) is ignored, so the query then sleeps on, the
// Terminate after the cancel is never read, and the connection closes
// only at pgx's deadline. The check waits that long only when it happens.
//
// It also ignores pgx's background reader of an idle connection. pgconn
// starts it when a write takes more than 15 ms (its slowWriteTimer, in
// case the server is blocked writing to us), and stops it after the
// write; but a stopped reader's goroutine returns only when its Read does,
// so on a connection gone back to the pool it waits in Read until the
// connection is next used or closed. On a loaded machine any write may
// take 15 ms: in runs beside other test processes a Keyset/Shard check
// failed on that goroutine 2 times in 6, after the check had read
// everything and released its connection. Such a goroutine belongs to the
// pool, not to the source: it ends when the test closes the pool, and
// goleak.VerifyTestMain still finds any that outlive that.
var settleOpts = &conformance.Options{
	Latency:     16 * time.Second,
	LeakOptions: []goleak.Option{goleak.IgnoreAnyFunction("github.com/jackc/pgx/v5/pgconn/internal/bgreader.(*BGReader).bgRead")},
}

var scan = pgx.RowToStructByName[item]

// TestConformance runs the suite on every form: each query form against
// a pool or a database/sql handle, the forms over rows already open,
// keyset pages over one and two key columns, and the reader of a keyset
// shard.
func TestConformance(t *testing.T) {
	// One row more than the keyset scans read, for their Fail to fail
	// after the last of them (see keysetSource).
	dsn := database(t, conformanceRows+1)
	pool := newPool(t, dsn)
	db := openSQL(t, dsn)
	acquired := func() int { return int(pool.Stat().AcquiredConns()) }
	inUse := func() int { return db.Stats().InUse }
	want := items(conformanceRows)

	t.Run("All", func(t *testing.T) {
		query := func(ctx context.Context, q string, args ...any) iter.Seq2[item, error] {
			return sqlrows.All(ctx, pool, q, args, scan)
		}
		stream := func(ctx context.Context, q string, args ...any) (<-chan item, func() error) {
			return sqlrows.Stream(ctx, pool, q, args, scan, nil)
		}
		conformance.Test(t, querySource(want, query, stream, acquired), settleOpts)
	})

	t.Run("SQL", func(t *testing.T) {
		query := func(ctx context.Context, q string, args ...any) iter.Seq2[item, error] {
			return sqlrows.SQL(ctx, db, q, args, scanItem)
		}
		stream := func(ctx context.Context, q string, args ...any) (<-chan item, func() error) {
			return sqlrows.SQLStream(ctx, db, q, args, scanItem, &sluice.StreamOptions{Buffer: 2})
		}
		conformance.Test(t, querySource(want, query, stream, inUse), settleOpts)
	})

	t.Run("Rows", func(t *testing.T) {
		open := func(q string, args ...any) pgx.Rows {
			return &lazyRows{open: func() (pgx.Rows, error) {
				// Not the iterator's ctx: only Rows can interrupt it.
				// The simple protocol makes Query return before the first
				// row (see simpleProtocol).
				args = append([]any{pgx.QueryExecModeSimpleProtocol}, args...)
				return pool.Query(context.Background(), q, args...)
			}}
		}
		query := func(ctx context.Context, q string, args ...any) iter.Seq2[item, error] {
			return sqlrows.Rows(ctx, open(q, args...), scan)
		}
		stream := func(ctx context.Context, q string, args ...any) (<-chan item, func() error) {
			return sqlrows.RowsStream(ctx, open(q, args...), scan, nil)
		}
		s := querySource(want, query, stream, acquired)
		s.SingleUse = true
		conformance.Test(t, s, settleOpts)
	})

	t.Run("SQLRows", func(t *testing.T) {
		// The rows are opened with the iterator's ctx: a *sql.Rows can be
		// interrupted only through the context of its query. That is
		// also why there is no StreamStall: stop cannot reach a read
		// blocked in the server (see SQLRowsStream).
		//
		// pgx's driver reads the first row inside QueryContext, so a
		// query that fails or stalls before its first row does so there,
		// before there are rows for SQLRows to range (Fail and Stall
		// after 0 values): then the source is that error, as it would
		// be for a caller.
		query := func(ctx context.Context, q string, args ...any) iter.Seq2[item, error] {
			rows, err := db.QueryContext(ctx, q, args...)
			if err != nil {
				return func(yield func(item, error) bool) { yield(item{}, err) }
			}
			return sqlrows.SQLRows(ctx, rows, scanItem)
		}
		stream := func(ctx context.Context, q string, args ...any) (<-chan item, func() error) {
			rows, err := db.QueryContext(ctx, q, args...)
			if err != nil {
				return sluice.FailedStream[item](err)
			}
			return sqlrows.SQLRowsStream(ctx, rows, scanItem, nil)
		}
		s := querySource(want, query, stream, inUse)
		s.SingleUse = true
		s.StreamStall = nil
		conformance.Test(t, s, settleOpts)
	})

	t.Run("Keyset", func(t *testing.T) {
		pool := indexPool(t, dsn)
		conformance.Test(t, keysetSource(pool, want, sqlrows.Table{From: "items", Key: []string{"id"}}, []string{
			keyCursor("x"), // a value an int column does not take
			keyCursor("1", "2"),
		}), settleOpts)
	})

	t.Run("Keyset/Shard", func(t *testing.T) {
		pool := indexPool(t, dsn)
		conformance.Test(t, keysetShardSource(t, pool, newPool(t, dsn)), settleOpts)
	})

	t.Run("Keyset/TwoColumns", func(t *testing.T) {
		pool := indexPool(t, dsn)
		// (id / 4, id): pages cut through runs of equal first columns.
		conformance.Test(t, keysetSource(pool, want, sqlrows.Table{
			From:   "items",
			Select: "id, name",
			Key:    []string{"id / 4", "id"},
		}, []string{
			keyCursor("0", "1.5"), // a value of the second column refused
			keyCursor("0"),
			keyCursor("0", "1", "2"),
		}), settleOpts)
	})
}

// querySource describes a query form: query and stream run a query with
// arguments on the fixture's database.
func querySource(
	want []item,
	query func(ctx context.Context, q string, args ...any) iter.Seq2[item, error],
	stream func(ctx context.Context, q string, args ...any) (<-chan item, func() error),
	open func() int,
) conformance.Source[item] {
	n := len(want)
	return conformance.Source[item]{
		All: func(ctx context.Context) iter.Seq2[item, error] {
			return query(ctx, seriesQuery, n)
		},
		Stream: func(ctx context.Context) (<-chan item, func() error) {
			return stream(ctx, seriesQuery, n)
		},
		Want: want,
		Fail: func(ctx context.Context, k int, err error) iter.Seq2[item, error] {
			return divisionByZero(query(ctx, failQuery, n+k, k+1), err)
		},
		StreamFail: func(ctx context.Context, k int, err error) (<-chan item, func() error) {
			ch, stop := stream(ctx, failQuery, n+k, k+1)
			return streamDivisionByZero(ch, stop, err)
		},
		Stall: func(ctx context.Context, k int) iter.Seq2[item, error] {
			return query(ctx, stallQuery, n+k, k)
		},
		StreamStall: func(ctx context.Context, k int) (<-chan item, func() error) {
			return stream(ctx, stallQuery, n+k, k)
		},
		Open: open,
	}
}

// keysetSource describes Keyset over t, in pages of 3 rows, reading the
// first len(want) rows of the fixture's len(want)+1: Fail's scan, over
// all of them, can fail after the last row of the others. bad lists
// cursors After must refuse besides those every keyset scan does.
func keysetSource(pool *pgxpool.Pool, want []item, t sqlrows.Table, bad []string) conformance.Source[sqlrows.Row[item]] {
	const page = 3
	opts := func(after string) *sqlrows.KeysetOptions {
		return &sqlrows.KeysetOptions{PageSize: page, After: after}
	}
	all := t
	t.Where, t.Args = "id <= $1", []any{len(want)}
	var rows []sqlrows.Row[item]
	for row, err := range sqlrows.Keyset(context.Background(), pool, t, scan, opts("")) {
		if err != nil {
			panic(err)
		}
		rows = append(rows, row)
	}
	values := make([]item, len(rows))
	for i, r := range rows {
		values[i] = r.Value
	}
	if len(values) != len(want) {
		panic("keyset fixture: wrong rows")
	}
	// failing divides by zero at row k+1 in key order, the row past the
	// others when k is len(want).
	failing := func(k int) sqlrows.Table {
		u := all
		u.Where, u.Args = "(id - $1) / (id - $1) = 1", []any{len(want) + 1}
		if k < len(values) {
			u.Args[0] = values[k].ID
		}
		return u
	}
	return conformance.Source[sqlrows.Row[item]]{
		All: func(ctx context.Context) iter.Seq2[sqlrows.Row[item], error] {
			return sqlrows.Keyset(ctx, pool, t, scan, opts(""))
		},
		Stream: func(ctx context.Context) (<-chan sqlrows.Row[item], func() error) {
			return sqlrows.KeysetStream(ctx, pool, t, scan, opts(""), nil)
		},
		Want: rows,
		Equal: func(a, b sqlrows.Row[item]) bool {
			return a.Value == b.Value && a.Cursor() == b.Cursor()
		},
		Fail: func(ctx context.Context, k int, err error) iter.Seq2[sqlrows.Row[item], error] {
			return divisionByZero(sqlrows.Keyset(ctx, pool, failing(k), scan, opts("")), err)
		},
		StreamFail: func(ctx context.Context, k int, err error) (<-chan sqlrows.Row[item], func() error) {
			ch, stop := sqlrows.KeysetStream(ctx, pool, failing(k), scan, opts(""), &sluice.StreamOptions{Buffer: 1})
			return streamDivisionByZero(ch, stop, err)
		},
		Stall: func(ctx context.Context, k int) iter.Seq2[sqlrows.Row[item], error] {
			return sqlrows.Keyset(ctx, pool, stallTable(t, values, k), scan, opts(""))
		},
		StreamStall: func(ctx context.Context, k int) (<-chan sqlrows.Row[item], func() error) {
			return sqlrows.KeysetStream(ctx, pool, stallTable(t, values, k), scan, opts(""), nil)
		},
		Cursor: sqlrows.Row[item].Cursor,
		After: func(ctx context.Context, cursor string) iter.Seq2[sqlrows.Row[item], error] {
			return sqlrows.Keyset(ctx, pool, t, scan, opts(cursor))
		},
		PageSize: page,
		BadCursors: append([]string{
			"42",                                  // not a cursor
			"v2:" + rows[0].Cursor()[len("v1:"):], // another version
			"v1:!!!",                              // not base64
			"v1:AjQ",                              // a length of 2, then one byte
			"v1:",                                 // no key value
		}, bad...),
		Open: func() int { return int(pool.Stat().AcquiredConns()) },
	}
}

// keyCursor returns the cursor of a key whose columns have the texts
// texts, as Row.Cursor writes it.
func keyCursor(texts ...string) string {
	var key []byte
	for _, t := range texts {
		key = binary.AppendUvarint(key, uint64(len(t)))
		key = append(key, t...)
	}
	return "v1:" + base64.RawURLEncoding.EncodeToString(key)
}

// stallTable is t with a condition that stalls after the k-th row (in key
// order; values is the table's rows in that order).
func stallTable(t sqlrows.Table, values []item, k int) sqlrows.Table {
	// stall_after compares positions: the rank of id among values.
	rank := make([]int, 0, len(values))
	for _, v := range values {
		rank = append(rank, v.ID)
	}
	t.Where = "stall_after(array_position($1::int[], id), $2)"
	t.Args = []any{rank, k}
	return t
}
