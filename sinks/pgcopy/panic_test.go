package pgcopy_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"go.uber.org/goleak"
)

// A panic of the source or of Row, in the middle of a batch or at its
// first value, is raised again by Write in the caller's goroutine with the
// same value, where the caller can recover it, after the batch is rolled
// back; the source is stopped, no goroutine is left, and the connection
// goes on.
func TestPanic(t *testing.T) {
	for _, tc := range []struct {
		name      string
		at        int64 // the key whose reading or Row panics
		inRow     bool
		committed int64
	}{
		{"SourceMidBatch", 1500, false, 1000},
		{"SourceFirstOfBatch", 2001, false, 2000},
		{"SourceFirst", 1, false, 0},
		{"RowMidBatch", 1500, true, 1000},
		{"RowFirstOfBatch", 2001, true, 2000},
		{"RowLastOfBatch", 2000, true, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			s := db.newSink(t, "t", 1000)
			// pgx's background reader of db's connection is ignored: pgconn
			// starts it when a write takes over 15 ms, as any may on a loaded
			// machine, and its goroutine returns only with its Read, so it
			// can outlive the write on the open connection (a fresh-clone
			// run at load 9 failed on it here; see sqlrows' settleOpts).
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
				goleak.IgnoreAnyFunction("github.com/jackc/pgx/v5/pgconn/internal/bgreader.(*BGReader).bgRead"))
			boom := errors.New("boom")
			stopped := false
			seq := func(yield func(item, error) bool) {
				defer func() { stopped = true }()
				for it := range items(1, 5000) {
					if it.K == tc.at && !tc.inRow {
						panic(boom)
					}
					if !yield(it, nil) {
						return
					}
				}
			}
			if tc.inRow {
				s.Row = func(it item) ([]any, error) {
					if it.K == tc.at {
						panic(boom)
					}
					return itemRow(it)
				}
			}
			p := func() (p any) {
				defer func() { p = recover() }()
				s.Write(context.Background(), db.conn, seq)
				return nil
			}()
			if p != boom {
				t.Fatalf("Write panicked with %v, want %v", p, boom)
			}
			if !stopped {
				t.Error("the source was not stopped")
			}
			// Write returns no Result when it panics: the table and the
			// checkpoint tell what it committed. db.conn is the one Write
			// used.
			db.checkKeys(t, "t", tc.committed)
			want := ""
			if tc.committed > 0 {
				want = strconv.FormatInt(tc.committed, 10)
			}
			if c := db.checkpoint(t, s); c != want {
				t.Errorf("checkpoint = %q, want %q", c, want)
			}
		})
	}
}
