package pgcopy_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
	"github.com/sluice-go/sluice/sinks/pgcopy"
)

var crashKills = flag.Int("pgcopy.kills", 20, "`number` of SIGKILLs TestCrash lands in the middle of a load")

const (
	crashDSNEnv   = "SLUICE_PGCOPY_CRASH_DSN"
	crashTableEnv = "SLUICE_PGCOPY_CRASH_TABLE"
	crashRows     = 100_000
)

// TestCrash kills a process loading 10^5 rows through a Sink with SIGKILL
// at random instants of the load, and restarts it from its checkpoint.
// After each kill the table, which has no key to refuse a duplicate, must
// hold exactly the keys 1 to the checkpoint's cursor; at the end, exactly
// 1 to 10^5. A load that ends before its kill is checked too, and the
// next starts on a new table, so that every kill counted lands mid-load.
func TestCrash(t *testing.T) {
	if dsn := os.Getenv(crashDSNEnv); dsn != "" {
		crashChild(dsn, os.Getenv(crashTableEnv))
		return
	}
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	db := newDB(t)
	var (
		round    int
		table    string
		landed   int     // kills that landed mid-load
		finished int     // loads that ended before their kill
		rows     float64 // rows loaded, and the time it took, for the rate
		took     time.Duration
	)
	newRound := func() {
		round++
		table = fmt.Sprintf("load_%d", round)
		db.exec(t, "CREATE TABLE "+table+" (k bigint NOT NULL)")
	}
	newRound()
	for attempt := 0; landed < *crashKills; attempt++ {
		if attempt > 20**crashKills {
			t.Fatalf("%d kills landed mid-load in %d attempts", landed, attempt)
		}
		before := db.crashState(t, table)
		child := startCrashChild(t, db.dsn, table)
		// The load's expected remaining time, at the rate seen so far (a
		// guess of a second for the whole load at first).
		remaining := time.Second * time.Duration(crashRows-before) / crashRows
		if took > 0 && rows > 0 {
			remaining = time.Duration(float64(crashRows-before) / rows * float64(took))
		}
		delay := rand.N(remaining + time.Millisecond)
		start := time.Now()
		select {
		case <-time.After(delay):
			child.Process.Kill()
			<-child.done
		case <-child.done:
		}
		elapsed := time.Since(start)
		if child.ProcessState.Success() {
			// The load ended before its kill.
			finished++
			db.checkComplete(t, table)
			rows += float64(crashRows - before)
			took += elapsed
			newRound()
			continue
		}
		if status := child.ProcessState.String(); status != "signal: killed" {
			t.Fatalf("child: %s\n%s", status, child.stderr.String())
		}
		pgenv.WaitAlone(t, db.conn)
		after := db.crashState(t, table)
		if after < before {
			t.Fatalf("kill %d: the checkpoint went back from %d to %d rows", attempt, before, after)
		}
		rows += float64(after - before)
		took += elapsed
		if after == crashRows {
			// Killed after its last commit: not mid-load.
			db.checkComplete(t, table)
			newRound()
			continue
		}
		landed++
	}

	// A last run loads what remains.
	child := startCrashChild(t, db.dsn, table)
	<-child.done
	if !child.ProcessState.Success() {
		t.Fatalf("last child: %s\n%s", child.ProcessState, child.stderr.String())
	}
	db.checkComplete(t, table)
	t.Logf("%d kills mid-load over %d loads (%d ended before their kill); %.0f rows/s", landed, round, finished, rows/took.Seconds())
}

// crashState checks the invariant of table after a kill: it holds exactly
// the keys 1 to n, where n is the checkpoint's cursor ("" for 0). It
// returns n.
func (db *testDB) crashState(t *testing.T, table string) int64 {
	t.Helper()
	var count, distinct, max int64
	var cursor string
	// One statement, so one snapshot of the table and the checkpoint.
	err := db.conn.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT k), coalesce(max(k), 0),
	coalesce((SELECT cursor FROM checkpoints WHERE name = $1), '')
FROM `+table, table).Scan(&count, &distinct, &max, &cursor)
	if err != nil && strings.Contains(err.Error(), `relation "checkpoints" does not exist`) {
		err = db.conn.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&count)
		distinct, max = count, count
	}
	if err != nil {
		t.Fatal(err)
	}
	n := int64(0)
	if cursor != "" {
		if n, err = strconv.ParseInt(cursor, 10, 64); err != nil {
			t.Fatalf("checkpoint %q: %v", cursor, err)
		}
	}
	if count != n || distinct != n || max != n {
		t.Fatalf("%s: %d rows, %d keys, up to %d, checkpoint %q: want the keys 1 to the checkpoint once each",
			table, count, distinct, max, cursor)
	}
	return n
}

// checkComplete fails t unless table holds exactly the keys 1 to
// crashRows.
func (db *testDB) checkComplete(t *testing.T, table string) {
	t.Helper()
	if n := db.crashState(t, table); n != crashRows {
		t.Fatalf("%s holds %d rows after a complete load, want %d", table, n, crashRows)
	}
}

type crashProc struct {
	*exec.Cmd
	stderr strings.Builder
	done   chan struct{} // closed when the child has exited and been waited for
}

// startCrashChild starts a child loading table, and returns when it has
// loaded its checkpoint and begun its load.
func startCrashChild(t *testing.T, dsn, table string) *crashProc {
	t.Helper()
	c := &crashProc{
		Cmd:  exec.Command(os.Args[0], "-test.run=^TestCrash$", "-test.count=1"),
		done: make(chan struct{}),
	}
	c.Env = append(os.Environ(), crashDSNEnv+"="+dsn, crashTableEnv+"="+table)
	c.Stderr = &c.stderr
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	go func() {
		c.Wait()
		close(c.done)
	}()
	if line != "loading\n" {
		c.Process.Kill()
		<-c.done
		t.Fatalf("child said %q, %v\n%s", line, err, c.stderr.String())
	}
	return c
}

// crashChild loads the rows 1 to crashRows into table from where its
// checkpoint says, in batches of 500 to 1000 rows, and says "loading" on
// stdout when it begins. The batches are far smaller than the default
// (with which a load would be one batch) so that a load makes 100 to 200
// commits and the kills land at every stage of a batch: in its COPY, at
// its checkpoint, at its commit and between batches.
func crashChild(dsn, table string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		crashFail(err)
	}
	defer conn.Close(ctx)
	s := &pgcopy.Sink[int]{
		Table:      pgx.Identifier{table},
		Columns:    []string{"k"},
		Row:        func(k int) ([]any, error) { return []any{k}, nil },
		Cursor:     strconv.Itoa,
		BatchRows:  500 + rand.IntN(501),
		Checkpoint: pgstore.New(conn, "checkpoints"),
		Name:       table,
	}
	cursor, err := s.Load(ctx)
	if err != nil {
		crashFail(err)
	}
	start := 0
	if cursor != "" {
		if start, err = strconv.Atoi(cursor); err != nil {
			crashFail(err)
		}
	}
	fmt.Println("loading")
	if _, err := s.Write(ctx, conn, ints(start+1, crashRows)); err != nil {
		crashFail(err)
	}
}

func crashFail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(2)
}

// ints returns a stream of the ints from to to.
func ints(from, to int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := from; i <= to; i++ {
			if !yield(i, nil) {
				return
			}
		}
	}
}
