package sqlrows_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/time/rate"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// A pacer is a Limiter that counts its waits and, if begun is not nil,
// tells it the number of each wait as it begins; inner, if not nil, then
// does the waiting.
type pacer struct {
	inner sluice.Limiter
	waits atomic.Int32
	begun chan int32
}

func (p *pacer) Wait(ctx context.Context) error {
	n := p.waits.Add(1)
	if p.begun != nil {
		p.begun <- n
	}
	if p.inner == nil {
		return nil
	}
	return p.inner.Wait(ctx)
}

// A pacedDB counts the queries run, and those run without a wait of the
// pacer before them.
type pacedDB struct {
	sqlrows.Querier
	p               *pacer
	queries, unpaid atomic.Int32
}

func (db *pacedDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if n := db.queries.Add(1); n > db.p.waits.Load() {
		db.unpaid.Add(1)
	}
	return db.Querier.Query(ctx, sql, args...)
}

func ids(rows []sqlrows.Row[item]) []int {
	s := make([]int, len(rows))
	for i, r := range rows {
		s[i] = r.Value.ID
	}
	return s
}

func wantIDs(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}

// KeysetOptions.Limiter is waited on once before each page's query: 25
// rows in pages of 10 are three queries, in both forms.
func TestLimiterWaitsForEachPage(t *testing.T) {
	pool := newPool(t, database(t, 25))
	ctx := context.Background()
	table := sqlrows.Table{From: "items", Key: []string{"id"}}
	for _, form := range []string{"Keyset", "KeysetStream"} {
		p := &pacer{}
		db := &pacedDB{Querier: pool, p: p}
		opts := &sqlrows.KeysetOptions{PageSize: 10, Limiter: p}
		seq := sqlrows.Keyset(ctx, db, table, pgx.RowToStructByPos[item], opts)
		if form == "KeysetStream" {
			seq = sluice.FromStream(sqlrows.KeysetStream(ctx, db, table, pgx.RowToStructByPos[item], opts, nil))
		}
		rows, err := collect(seq)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(rows), wantIDs(25)) {
			t.Errorf("%s: read %v, want 1..25", form, ids(rows))
		}
		if w, q := p.waits.Load(), db.queries.Load(); w != 3 || q != 3 || db.unpaid.Load() != 0 {
			t.Errorf("%s: %d waits for %d queries, %d run before their wait; want a wait before each of 3", form, w, q, db.unpaid.Load())
		}
	}
}

// A context canceled while a page's query waits for the limiter ends the
// scan with the context's error, after the rows of the pages before:
// here the limiter lets one query go, and the next would wait an hour.
func TestLimiterCancelWhileWaiting(t *testing.T) {
	pool := newPool(t, database(t, 25))
	table := sqlrows.Table{From: "items", Key: []string{"id"}}
	for _, form := range []string{"Keyset", "KeysetStream"} {
		ctx, cancel := context.WithCancel(context.Background())
		p := &pacer{inner: rate.NewLimiter(rate.Every(time.Hour), 1), begun: make(chan int32, 10)}
		go func() {
			for n := range p.begun {
				if n == 2 {
					cancel()
				}
			}
		}()
		opts := &sqlrows.KeysetOptions{PageSize: 10, Limiter: p}
		seq := sqlrows.Keyset(ctx, pool, table, pgx.RowToStructByPos[item], opts)
		if form == "KeysetStream" {
			seq = sluice.FromStream(sqlrows.KeysetStream(ctx, pool, table, pgx.RowToStructByPos[item], opts, nil))
		}
		rows, err := collect(seq)
		close(p.begun)
		cancel()
		if !errors.Is(err, context.Canceled) || !slices.Equal(ids(rows), wantIDs(10)) {
			t.Errorf("%s: read %v, then %v; want 1..10, then context.Canceled", form, ids(rows), err)
		}
	}
}
