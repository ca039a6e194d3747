package pgcopy_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/sinks/pgcopy"
)

// beginCounter is a DB that records each Begin in a log.
type beginCounter struct {
	pgcopy.DB
	log *[]string
}

func (db beginCounter) Begin(ctx context.Context) (pgx.Tx, error) {
	*db.log = append(*db.log, "begin")
	return db.DB.Begin(ctx)
}

// Write reads a batch's first rows before it begins the batch, calls Row
// for each value before it reads the next, and begins no empty batch
// when the stream ends at a batch's boundary. The log has no lock: the
// race detector checks that the source, Row and Begin are never called
// at once.
func TestStreaming(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want []string
	}{
		{5, []string{
			"read 1", "row 1", "read 2", "row 2", "begin",
			"read 3", "row 3", "read 4", "row 4", "begin",
			"read 5", "row 5", "end", "begin",
		}},
		{4, []string{
			"read 1", "row 1", "read 2", "row 2", "begin",
			"read 3", "row 3", "read 4", "row 4", "begin",
			"end",
		}},
		{0, []string{"end"}},
	} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			db := newDB(t)
			s := db.newSink(t, "t", 2)
			var log []string
			s.Row = func(it item) ([]any, error) {
				log = append(log, "row "+it.Cursor())
				return itemRow(it)
			}
			seq := func(yield func(item, error) bool) {
				for it := range items(1, tc.n) {
					log = append(log, "read "+it.Cursor())
					if !yield(it, nil) {
						return
					}
				}
				log = append(log, "end")
			}
			res, err := s.Write(context.Background(), beginCounter{db.conn, &log}, seq)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(log, tc.want) {
				t.Errorf("calls:\n%v\nwant\n%v", log, tc.want)
			}
			want := pgcopy.Result{Rows: tc.n, Batches: int(tc.n+1) / 2}
			if tc.n > 0 {
				want.Cursor = strconv.FormatInt(tc.n, 10)
			}
			db.checkState(t, s, res, want)
		})
	}
}

// A failure of the stream at a batch's boundary begins no batch either.
func TestSourceErrorAtBoundary(t *testing.T) {
	db := newDB(t)
	s := db.newSink(t, "t", 1000)
	var log []string
	res, err := s.Write(context.Background(), beginCounter{db.conn, &log}, failing(1, 2000, fmt.Errorf("boom")))
	want := `pgcopy: copy into "t": source failed after row 2000: boom (2000 rows committed in 2 batches)`
	if err == nil || err.Error() != want {
		t.Errorf("Write = %v\nwant      %s", err, want)
	}
	if len(log) != 2 {
		t.Errorf("%d transactions begun, want 2", len(log))
	}
	db.checkState(t, s, res, pgcopy.Result{Rows: 2000, Batches: 2, Cursor: "2000"})
}

// Write streams a batch into its COPY as it reads the stream: PostgreSQL
// has received rows of a batch before the stream has given the rest.
func TestStreamsIntoCopy(t *testing.T) {
	db := newDB(t)
	s := db.newSink(t, "t", 0)
	var (
		processed int64
		err       error
	)
	seq := func(yield func(item, error) bool) {
		for it := range items(1, 20000) {
			if it.K == 10000 {
				// db.conn is not the connection Write uses.
				for deadline := time.Now().Add(10 * time.Second); processed == 0 && err == nil && time.Now().Before(deadline); {
					err = db.conn.QueryRow(context.Background(),
						"SELECT coalesce(max(tuples_processed), 0) FROM pg_stat_progress_copy WHERE relid = 't'::regclass").Scan(&processed)
					time.Sleep(time.Millisecond)
				}
			}
			if !yield(it, nil) {
				return
			}
		}
	}
	res, werr := s.Write(context.Background(), db.pool(t), seq)
	if werr != nil {
		t.Fatal(werr)
	}
	if err != nil || processed == 0 {
		t.Errorf("rows the COPY had processed at the stream's 10000th value: %d, %v; want some", processed, err)
	}
	db.checkState(t, s, res, pgcopy.Result{Rows: 20000, Batches: 1, Cursor: "20000"})
}
