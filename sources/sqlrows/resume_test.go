package sqlrows_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// killer terminates, from an admin connection, the server process of
// the one connection of a pool whose sessions carry its application
// name, as an administrator or a failover would.
type killer struct {
	t     *testing.T
	admin *pgx.Conn
	app   string
}

// pool returns a pool of at most one connection on dsn, whose sessions
// carry the application name k.app, closed when the test ends.
func (k *killer) pool(dsn string) *pgxpool.Pool {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		k.t.Fatal(err)
	}
	cfg.MaxConns = 1
	cfg.ConnConfig.RuntimeParams["application_name"] = k.app
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		k.t.Fatal(err)
	}
	k.t.Cleanup(pool.Close)
	return pool
}

// killIdle waits until the pool's connection is idle on the server,
// between two queries (it has sent the whole of a page), and terminates
// its server process.
func (k *killer) killIdle() {
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pid int32
		err := k.admin.QueryRow(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'`, k.app).Scan(&pid)
		if err == nil {
			var ok bool
			if err := k.admin.QueryRow(ctx, "SELECT pg_terminate_backend($1)", pid).Scan(&ok); err != nil || !ok {
				k.t.Errorf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
			}
			return
		}
		if !errors.Is(err, pgx.ErrNoRows) || time.Now().After(deadline) {
			k.t.Errorf("finding the idle backend of %s: %v", k.app, err)
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// TestResumeTerminatedKeyset terminates the server process of a keyset
// scan five times, each time between two pages (the backend idle, the
// page sent), twice on pages running in the iterator form: sluice.Resume with
// sqlrows.Transient reopens the scan on the pool after the cursor of the
// last row delivered, and the consumer gets exactly the rows of a clean
// full run, each once, in order, in both forms.
func TestResumeTerminatedKeyset(t *testing.T) {
	const total, page = 5000, 250
	dsn := database(t, total)
	table := sqlrows.Table{From: "items", Key: []string{"id"}}
	clean, err := collect(sqlrows.Keyset(context.Background(), connect(t, dsn), table, scan, &sqlrows.KeysetOptions{PageSize: page}))
	if err != nil || len(clean) != total {
		t.Fatalf("a clean run: %d rows, %v", len(clean), err)
	}
	want := values(clean)
	for _, form := range []struct {
		name  string
		kills []int // after these rows
	}{
		// After the last row of four pages, and after the first row of
		// the page after the third: the connection dies in two pages
		// running.
		{"Resume", []int{page, 4 * page, 9 * page, 9*page + 1, 12 * page}},
		// The producer of the channel form runs a page ahead of its
		// consumer: a second kill on the next page would wait for a
		// connection the producer opens only once the consumer reads on.
		{"ResumeStream", []int{page, 4 * page, 9 * page, 12 * page, 16 * page}},
	} {
		kills := form.kills
		t.Run(form.name, func(t *testing.T) {
			k := &killer{t: t, admin: connect(t, dsn), app: "sluice-resume-" + strings.ToLower(form.name)}
			pool := k.pool(dsn)
			open := func(ctx context.Context, after string) iter.Seq2[sqlrows.Row[item], error] {
				return sqlrows.Keyset(ctx, pool, table, scan, &sqlrows.KeysetOptions{PageSize: page, After: after})
			}
			var mu sync.Mutex
			var retries []sluice.RetryEvent
			opts := &sluice.ResumeOptions{
				Transient:    sqlrows.Transient,
				InitialDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond,
				OnRetry: func(e sluice.RetryEvent) {
					mu.Lock()
					retries = append(retries, e)
					mu.Unlock()
				},
			}
			var got []item
			use := func(r sqlrows.Row[item]) {
				got = append(got, r.Value)
				if slices.Contains(kills, len(got)) {
					k.killIdle()
				}
			}
			if form.name == "Resume" {
				for r, err := range sluice.Resume(context.Background(), open, sqlrows.Row[item].Cursor, opts) {
					if err != nil {
						t.Fatalf("after %d rows: %v", len(got), err)
					}
					use(r)
				}
			} else {
				ch, stop := sluice.ResumeStream(context.Background(), open, sqlrows.Row[item].Cursor, opts, nil)
				for r := range ch {
					use(r)
				}
				if err := stop(); err != nil {
					t.Fatalf("after %d rows: %v", len(got), err)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%d rows, want the clean run's %d, each once and in order: %s", len(got), len(want), firstDiff(got, want))
			}
			mu.Lock()
			defer mu.Unlock()
			if len(retries) < len(kills) {
				t.Errorf("%d reopenings for %d terminations: a termination went unnoticed", len(retries), len(kills))
			}
			for _, e := range retries {
				t.Logf("attempt %d after %s failed: %v", e.Attempt, e.Cursor, e.Err)
			}
		})
	}
}

func values(rows []sqlrows.Row[item]) []item {
	vs := make([]item, len(rows))
	for i, r := range rows {
		vs[i] = r.Value
	}
	return vs
}

func collect[V any](seq iter.Seq2[V, error]) ([]V, error) {
	var vs []V
	for v, err := range seq {
		if err != nil {
			return vs, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

// firstDiff describes where got and want first differ.
func firstDiff[V comparable](got, want []V) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d: %v, want %v", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("%d values in common, then %d against %d", min(len(got), len(want)), len(got), len(want))
}

// TestTransient: which errors of a scan are transient, as the server and
// the network report them.
func TestTransient(t *testing.T) {
	q := func(err error) error { return &sqlrows.QueryError{Query: "SELECT 1", Err: err} }
	pg := func(code string) error { return q(&pgconn.PgError{Severity: "FATAL", Code: code}) }
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"57P01 admin_shutdown", pg("57P01"), true},
		{"57P02 crash_shutdown", pg("57P02"), true},
		{"57P03 cannot_connect_now", pg("57P03"), true},
		{"53300 too_many_connections", pg("53300"), true},
		{"40001 serialization_failure", pg("40001"), true},
		{"40P01 deadlock_detected", pg("40P01"), true},
		{"08006 connection_failure", pg("08006"), true},
		{"08P01 protocol_violation", pg("08P01"), true},
		{"57014 query_canceled", pg("57014"), false},
		{"42P01 undefined_table", pg("42P01"), false},
		{"28P01 invalid_password", pg("28P01"), false},
		{"22012 division_by_zero", pg("22012"), false},
		{"unexpected EOF", q(fmt.Errorf("receive message failed: %w", io.ErrUnexpectedEOF)), true},
		{"EOF", q(io.EOF), true},
		{"connection reset", q(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), true},
		{"host unreachable", q(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.EHOSTUNREACH}), true},
		{"broken pipe", q(fmt.Errorf("write failed: %w", syscall.EPIPE)), true},
		{"no such host", q(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}), false},
		{"DNS timeout", q(&net.DNSError{Err: "timeout", IsTimeout: true}), true},
		{"bad cursor", fmt.Errorf("%w %q: why", sqlrows.ErrBadCursor, "v1:x"), false},
		{"canceled", q(context.Canceled), false},
		{"caller's deadline", q(context.DeadlineExceeded), false},
		{"conn closed", q(fmt.Errorf("conn closed: %w", pgconn.ErrConnClosed)), false},
		{"scan error", q(errors.New("cannot scan into *int")), false},
	} {
		if got := sqlrows.Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%s: %v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestTransientConnect: a connection attempt refused by the network, or
// timed out, is transient, one refused by the server for a reason that will not pass
// (a database that does not exist) is not, and a query on a *pgx.Conn
// already closed is not.
func TestTransientConnect(t *testing.T) {
	ctx := context.Background()
	dsn := database(t, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nobody listens there now: the connection is refused
	_, err = pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=5", port))
	if err == nil || !sqlrows.Transient(err) {
		t.Errorf("Transient(%v) = false, want true for a refused connection", err)
	}

	// A server that accepts and never answers: the attempt times out
	// (connect_timeout), a context deadline inside a ConnectError.
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held sync.WaitGroup
	held.Go(func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	})
	hcfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", hung.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	hcfg.ConnectTimeout = 50 * time.Millisecond
	_, err = pgx.ConnectConfig(ctx, hcfg)
	hung.Close()
	held.Wait()
	if !errors.Is(err, context.DeadlineExceeded) || !sqlrows.Transient(err) {
		t.Errorf("Transient(%v) = false, want true for a connection attempt that timed out", err)
	}

	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = "no_such_database_here"
	_, err = pgx.ConnectConfig(ctx, cfg)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" || sqlrows.Transient(err) {
		t.Errorf("Transient(%v) = true, want false for SQLSTATE 3D000", err)
	}

	conn := connect(t, dsn)
	conn.Close(ctx)
	_, err = collect(sqlrows.Keyset(ctx, conn, sqlrows.Table{From: "items", Key: []string{"id"}}, scan, nil))
	if err == nil || sqlrows.Transient(err) {
		t.Errorf("Transient(%v) = true, want false for a closed *pgx.Conn", err)
	}
}
