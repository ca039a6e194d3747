package pgcopy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The steps of a batch, for BatchError.
const (
	stepBegin      = "begin"
	stepCopy       = "copy"
	stepCheckpoint = "checkpoint"
	stepCommit     = "commit"
)

// A BatchError reports a batch that failed in the database: its
// transaction did not begin, its COPY failed (a row the table rejects, a
// value pgx cannot encode for its column), its checkpoint was not saved,
// or its commit failed. None of the batch is committed, with one
// exception: when the connection is lost during the commit, the batch may
// or may not have committed, and the error says so. The batches before it
// are committed, as the Result returned with it says.
type BatchError struct {
	// Batch is the number of the batch, counting from 1 at the start of
	// the Write.
	Batch int

	// Row is the number of the rejected row, counting from 1 at the start
	// of the Write, or 0 when it is not known. It is known when
	// PostgreSQL names the row's line in the COPY, as it does for a data
	// exception (SQLSTATE class 22), a unique, not-null or check violation
	// (class 23), a WITH CHECK OPTION violation (44) and an error raised
	// by a BEFORE ROW trigger (P0); and when pgx cannot encode one of the
	// row's values, such as a string that does not parse as the column's
	// type. What PostgreSQL checks after the last row or at commit
	// (foreign keys, deferred constraints, AFTER triggers) names no row.
	Row int64

	// Cursor is the cursor of the rejected row, when Row is known and the
	// Sink has a cursor function.
	Cursor string

	// Err is the error of pgx: a *pgconn.PgError when PostgreSQL
	// reported it, including when pgx could not encode a value (SQLSTATE
	// 57014, "COPY from stdin failed: …").
	Err error

	table       string // as SQL
	first, last int64  // the batch's rows
	step        string
}

func (e *BatchError) Error() string {
	var b strings.Builder
	b.WriteString("pgcopy: ")
	if e.table != "" {
		fmt.Fprintf(&b, "copy into %s: ", e.table)
	}
	fmt.Fprintf(&b, "batch %d", e.Batch)
	if span := names.Span(e.first, e.last); e.first > 0 && span != "" {
		b.WriteString(" (" + span + ")")
	}
	switch {
	case e.Row > 0:
		fmt.Fprintf(&b, ": row %d", e.Row)
		if e.Cursor != "" {
			fmt.Fprintf(&b, " (cursor %q)", e.Cursor)
		}
	case e.step == stepBegin || e.step == stepCommit:
		b.WriteString(": " + e.step)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if e.mayHaveCommitted() {
		b.WriteString(" (the batch may have committed: Load tells)")
	}
	return b.String()
}

// Unwrap returns e.Err.
func (e *BatchError) Unwrap() error { return e.Err }

// mayHaveCommitted reports whether the batch's commit failed without an
// answer from PostgreSQL, which may have committed it. An error response
// to COMMIT means it did not.
func (e *BatchError) mayHaveCommitted() bool {
	if e.step != stepCommit {
		return false
	}
	var pe *pgconn.PgError
	return !errors.As(e.Err, &pe) && !errors.Is(e.Err, pgx.ErrTxCommitRollback)
}

// rejected returns the index in the batch of the row that err, the error
// of the batch's COPY, blames, or -1. next is the index where the COPY's
// source stopped.
func rejected(err error, relname string, next int) int {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return -1
	}
	if pe.Code == "57014" && strings.HasPrefix(pe.Message, "COPY from stdin failed: ") {
		// pgx ended the COPY (CopyFail, which PostgreSQL reports as
		// query_canceled) because it could not encode a value of the row
		// its source was at.
		return next
	}
	switch pe.Code[:min(2, len(pe.Code))] {
	case "22", "23", "44", "P0":
	default:
		// A cancellation, a timeout or a lack of resources names the line
		// the COPY was at, which is not to blame.
		return -1
	}
	// The context is one line per level, the COPY's like "COPY t, line 3"
	// or "COPY t, line 3, column c". The table's name is as PostgreSQL
	// stores it, which is relname unless it was truncated to 63 bytes.
	for _, prefix := range []string{"COPY " + relname + ", line ", "COPY "} {
		for line := range strings.Lines(pe.Where) {
			rest, ok := strings.CutPrefix(line, prefix)
			if !ok {
				continue
			}
			if prefix == "COPY " {
				if _, rest, ok = strings.Cut(rest, ", line "); !ok {
					continue
				}
			}
			digits := rest[:len(rest)-len(strings.TrimLeft(rest, "0123456789"))]
			if n, err := strconv.Atoi(digits); err == nil && n > 0 {
				return n - 1
			}
		}
	}
	return -1
}
