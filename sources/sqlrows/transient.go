package sqlrows

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// Transient reports whether err, the error of a scan of this package,
// is a failure that the same scan opened again a moment later may get
// past: the classifier to give sluice.ResumeOptions.Transient for a
// [Keyset] scan, whose cursors resume it exactly.
//
//	open := func(ctx context.Context, after string) iter.Seq2[sqlrows.Row[T], error] {
//		return sqlrows.Keyset(ctx, pool, table, scan, &sqlrows.KeysetOptions{After: after})
//	}
//	rows := sluice.Resume(ctx, open, sqlrows.Row[T].Cursor, &sluice.ResumeOptions{Transient: sqlrows.Transient})
//
// Transient are:
//   - the connection lost: a network error (*net.OpError, a reset, a
//     broken pipe, a refused or timed-out connection attempt, a DNS
//     failure other than "no such host"), the server
//     closing it mid-message (io.ErrUnexpectedEOF, io.EOF), and a
//     connection attempt that failed for any of these or timed out
//     (connect_timeout);
//   - the server ending or refusing the session, by SQLSTATE: class 08
//     (connection exception), 57P01 admin_shutdown (pg_terminate_backend,
//     a fast shutdown, a failover), 57P02 crash_shutdown, 57P03
//     cannot_connect_now (starting up, in recovery) and 53300
//     too_many_connections;
//   - a transaction that lost a race: 40001 serialization_failure and
//     40P01 deadlock_detected.
//
// Every other error is not: a server error with any other SQLSTATE (a
// syntax error, a missing table, a failed authentication, 57014
// query_canceled by statement_timeout, which would time out again), a
// bad cursor (ErrBadCursor), a scan function's error, invalid input, a
// canceled context, and pgconn.ErrConnClosed: a *pgx.Conn once closed
// never opens again, so a scan on one is not worth reopening. Reopen on
// a pool (*pgxpool.Pool, which replaces a broken connection), or open
// a connection in the function that opens the scan. Over a pgx.Tx a
// failure aborts the transaction, so the same holds: begin a new one.
func Transient(err error) bool {
	switch {
	case err == nil,
		errors.Is(err, context.Canceled),
		errors.Is(err, ErrBadCursor):
		return false
	}
	// The server's word decides, wherever it is in the chain: a
	// connection attempt refused with 28P01 (a wrong password) is a
	// network exchange as much as a 57P03 is.
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return transientState(pgErr.Code)
	}
	var connectErr *pgconn.ConnectError
	if errors.Is(err, context.DeadlineExceeded) {
		// A deadline inside a connection attempt is connect_timeout;
		// any other is the caller's, which ends the stream.
		return errors.As(err, &connectErr)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return false // no such host: a mistake, not a moment
	}
	var opErr *net.OpError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.As(err, &opErr),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ETIMEDOUT):
		return true
	}
	return errors.As(err, &dnsErr) // a DNS failure other than "no such host"
}

// transientState reports whether a server error of SQLSTATE code is
// transient (see Transient).
func transientState(code string) bool {
	switch code {
	case "40001", // serialization_failure
		"40P01", // deadlock_detected
		"57P01", // admin_shutdown: pg_terminate_backend, a shutdown, a failover
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now
		"53300": // too_many_connections
		return true
	}
	return len(code) == 5 && code[:2] == "08" // connection_exception
}
