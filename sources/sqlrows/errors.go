package sqlrows

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sluice-go/sluice/internal/cancel"
)

// ErrBadCursor is wrapped by the error for a keyset cursor that is not one
// this package produced for a key of that table: a bad cursor is an
// error, never a rescan from the start.
var ErrBadCursor = errors.New("sqlrows: bad cursor")

var (
	errNilDB   = errors.New("sqlrows: nil database")
	errNilRows = errors.New("sqlrows: nil rows")
	errNilScan = errors.New("sqlrows: nil scan function")
	errNoQuery = errors.New("sqlrows: empty query")
)

// A QueryError is the error of a query or of reading its rows, with the
// query it came from. Unwrap gives the driver's error, so that
// errors.As(err, &pgErr) finds a *pgconn.PgError, and a canceled context's
// error, so that errors.Is(err, context.Canceled) holds.
type QueryError struct {
	// Query is the SQL of the query, or "" for rows a caller opened.
	Query string
	Err   error
}

func (e *QueryError) Error() string {
	if e.Query == "" {
		return "sqlrows: reading rows: " + e.Err.Error()
	}
	return fmt.Sprintf("sqlrows: query %s: %v", brief(e.Query), e.Err)
}

func (e *QueryError) Unwrap() error { return e.Err }

// brief quotes a query for an error message, on one line and shortened.
func brief(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	const max = 120
	if len(q) > max {
		q = q[:max] + "…"
	}
	return fmt.Sprintf("%q", q)
}

// queryError wraps err, the failure of query, preferring ctx's error when
// ctx is done: a driver's "conn closed" or "timeout" after a cancellation
// is the cancellation, and must read as one.
func queryError(ctx context.Context, query string, err error) error {
	return &QueryError{Query: query, Err: cancel.Prefer(ctx, err)}
}
