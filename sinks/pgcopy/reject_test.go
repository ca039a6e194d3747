package pgcopy_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluice-go/sluice/sinks/pgcopy"
)

// A row the table rejects fails its batch, whose number, row and cursor
// the *BatchError gives, with PostgreSQL's error; the batches before are
// committed.
func TestRejected(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup string // run after creating t (k bigint, name text)
		row   func(item) ([]any, error)
		code  string
	}{{
		name:  "Unique",
		setup: "ALTER TABLE t ADD PRIMARY KEY (k); INSERT INTO t VALUES (1503, 'taken')",
		code:  "23505",
	}, {
		name:  "NotNull",
		setup: "ALTER TABLE t ALTER name SET NOT NULL",
		row:   nullAt(1503),
		code:  "23502",
	}, {
		name:  "Check",
		setup: "ALTER TABLE t ADD CHECK (k <> 1503)",
		code:  "23514",
	}, {
		name: "Trigger",
		setup: `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.k = 1503 THEN RAISE EXCEPTION 'refused'; END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER refuse BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION refuse()`,
		code: "P0001",
	}, {
		// PostgreSQL refuses the value: a data exception.
		name:  "Overflow",
		setup: "ALTER TABLE t ADD n numeric(3)",
		row:   func(it item) ([]any, error) { return []any{it.K, it.Name, overAt(it, 1503)}, nil },
		code:  "22003",
	}, {
		// pgx cannot encode the value for the column, and ends the COPY.
		name: "TextIntoInt",
		row:  func(it item) ([]any, error) { return []any{textAt(it, 1503), it.Name}, nil },
		code: "57014",
	}, {
		name: "WrongType",
		row:  func(it item) ([]any, error) { return []any{it.K, nameOrStruct(it, 1503)}, nil },
		code: "57014",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			s := db.newSink(t, "t", 1000)
			if tc.setup != "" {
				db.exec(t, tc.setup)
			}
			if tc.row != nil {
				s.Columns = []string{"k", "name", "n"}[:len(mustRow(t, tc.row))]
				s.Row = tc.row
			}
			res, err := s.Write(context.Background(), db.pool(t), items(1, 2500))
			be := asBatchError(t, err)
			if be.Batch != 2 || be.Row != 1503 || be.Cursor != "1503" {
				t.Errorf("BatchError{Batch: %d, Row: %d, Cursor: %q}, want batch 2, row 1503, cursor 1503\n%v",
					be.Batch, be.Row, be.Cursor, err)
			}
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != tc.code {
				t.Errorf("PgError = %v, want SQLSTATE %s", pe, tc.code)
			}
			if res != (pgcopy.Result{Rows: 1000, Batches: 1, Cursor: "1000"}) {
				t.Errorf("Result = %+v, want batch 1", res)
			}
			keys := db.keys(t, "t")
			keys = slices.DeleteFunc(keys, func(k int64) bool { return k == 1503 && tc.name == "Unique" })
			if len(keys) != 1000 || keys[0] != 1 || keys[999] != 1000 {
				t.Errorf("t holds %d keys %s, want 1 to 1000", len(keys), brief(keys))
			}
			if c := db.checkpoint(t, s); c != "1000" {
				t.Errorf("checkpoint = %q, want 1000", c)
			}
		})
	}
}

func mustRow(t *testing.T, row func(item) ([]any, error)) []any {
	t.Helper()
	r, err := row(item{K: 1})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func nullAt(k int64) func(item) ([]any, error) {
	return func(it item) ([]any, error) {
		if it.K == k {
			return []any{it.K, nil}, nil
		}
		return itemRow(it)
	}
}

// textAt returns the key of it as a string, which pgx parses for a bigint
// column, and at key k a string that does not parse.
func textAt(it item, k int64) string {
	if it.K == k {
		return "one thousand five hundred and three"
	}
	return it.Cursor()
}

// overAt returns a number that fits numeric(3), and at key k one that
// does not.
func overAt(it item, k int64) int64 {
	if it.K == k {
		return 1000
	}
	return it.K % 1000
}

func nameOrStruct(it item, k int64) any {
	if it.K == k {
		return struct{ X chan int }{}
	}
	return it.Name
}

// The message of a BatchError names the table, the batch and the row.
func TestBatchErrorMessage(t *testing.T) {
	db := newDB(t)
	s := db.newSink(t, "t", 10)
	db.exec(t, "ALTER TABLE t ADD CHECK (k <> 13)")
	_, err := s.Write(context.Background(), db.conn, items(1, 25))
	want := `pgcopy: copy into "t": batch 2 (rows 11 to 20): row 13 (cursor "13"): ` +
		`ERROR: new row for relation "t" violates check constraint "t_k_check" (SQLSTATE 23514)`
	if err == nil || err.Error() != want {
		t.Errorf("Write = %v\nwant      %s", err, want)
	}
}

// A foreign key, checked after the last row of the COPY, fails the batch
// with no row.
func TestRejectedForeignKey(t *testing.T) {
	db := newDB(t)
	s := db.newSink(t, "t", 10)
	db.exec(t, `CREATE TABLE p (k bigint PRIMARY KEY);
INSERT INTO p SELECT i FROM generate_series(1, 25) i WHERE i <> 13;
ALTER TABLE t ADD FOREIGN KEY (k) REFERENCES p`)
	res, err := s.Write(context.Background(), db.conn, items(1, 25))
	be := asBatchError(t, err)
	var pe *pgconn.PgError
	if be.Batch != 2 || be.Row != 0 || !errors.As(err, &pe) || pe.Code != "23503" {
		t.Errorf("Write = %v, want a BatchError of batch 2, no row, SQLSTATE 23503", err)
	}
	db.checkState(t, s, res, pgcopy.Result{Rows: 10, Batches: 1, Cursor: "10"})
}

// A constraint checked at commit fails the batch at its commit, with no
// row.
func TestRejectedAtCommit(t *testing.T) {
	db := newDB(t)
	s := db.newSink(t, "t", 10)
	db.exec(t, "ALTER TABLE t ADD UNIQUE (name) DEFERRABLE INITIALLY DEFERRED")
	s.Row = func(it item) ([]any, error) {
		if it.K == 17 {
			it.Name = "n12"
		}
		return itemRow(it)
	}
	res, err := s.Write(context.Background(), db.conn, items(1, 25))
	be := asBatchError(t, err)
	if be.Batch != 2 || be.Row != 0 {
		t.Errorf("BatchError{Batch: %d, Row: %d}, want batch 2, row unknown", be.Batch, be.Row)
	}
	want := `pgcopy: copy into "t": batch 2 (rows 11 to 20): commit: ERROR: duplicate key value violates ` +
		`unique constraint "t_name_key" (SQLSTATE 23505)`
	if err.Error() != want {
		t.Errorf("Write = %v\nwant      %s", err, want)
	}
	db.checkState(t, s, res, pgcopy.Result{Rows: 10, Batches: 1, Cursor: "10"})
}
