package rivershard_test

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/shard/rivershard"
)

var (
	kills        = flag.Int("kills", 10, "`number` of SIGKILLs TestFleet lands on its worker processes while the runs go on")
	fleetWorkers = flag.Int("fleet", 3, "`number` of worker processes of TestFleet")
	fleetRows    = flag.Int("rows", 1_000_000, "`number` of rows of the table TestFleet copies")
	fleetKeys    = flag.Int("keys", 100_000, "`number` of keys of the bucket TestFleet copies")
)

// workerEnv holds a worker process's configuration, as JSON: the test
// binary started again by TestFleet runs a worker and nothing else.
const workerEnv = "RIVERSHARD_TEST_WORKER"

type workerConfig struct {
	DSN    string
	S3     testenv.S3Env
	Bucket string
	Timing timing
}

// bigPrefix holds 9 keys in 10 of the bucket.
const bigPrefix = "big/"

// skewedKeys returns n keys, 9 in 10 under bigPrefix, the others under
// 20 small prefixes and at the top level. Each directory of the gateway
// holds at most 1000 of them.
func skewedKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		switch {
		case i%10 != 0:
			keys[i] = fmt.Sprintf("%s%03d/%06d", bigPrefix, i/1000, i)
		case i%100 == 0:
			keys[i] = fmt.Sprintf("top-%06d", i)
		default:
			keys[i] = fmt.Sprintf("p%02d/%03d/%06d", i%20, i/10000, i)
		}
	}
	return keys
}

// TestFleet, which runs beside the package's other tests (its time is
// mostly River's rescues), copies a skewed bucket of 100,000 keys into a table and a
// table of 10^6 rows into another, with three worker processes (this
// test binary started again, each with a River client of its own), which
// it kills with SIGKILL at random instants, ten times in all, and starts
// again. In the end each destination holds each key or row of its source
// exactly once. (Whether a shard splits depends on the fleet having an
// idle worker while it runs: TestSkewedSplit checks splitting.)
//
// A killed worker's jobs stay running in River until its leader's
// rescuer finds them stuck: RescueStuckJobsAfter (5 s here) after their
// attempt began, at the rescuer's next pass (every 30 s, River's
// JobRescuerIntervalDefault, not configurable), and after a new leader is
// elected if the killed worker was the leader (up to about 15 s). So the
// test lasts at least half a minute past its last kill.
func TestFleet(t *testing.T) {
	if enc := os.Getenv(workerEnv); enc != "" {
		workerMain(t, enc)
		return
	}
	t.Parallel()
	if testing.Short() {
		t.Skip("the fleet test is skipped in -short mode")
	}
	ctx := context.Background()
	start := time.Now()
	step := func(what string) {
		t.Logf("%v: %s", time.Since(start).Round(time.Millisecond), what)
	}
	dsn, pool := db(t, tableSetup+`CREATE TABLE rivershard_keys (key text NOT NULL);`)
	// The table's rows are made while the bucket's files are written.
	rowsMade := make(chan error, 1)
	go func() {
		_, err := pool.Exec(ctx, "INSERT INTO rivershard_src SELECT i, 'row ' || i FROM generate_series(1, $1::int) AS i", *fleetRows)
		if err == nil {
			_, err = pool.Exec(ctx, "ANALYZE rivershard_src")
		}
		rowsMade <- err
	}()
	env := testenv.S3(t)
	keys := skewedKeys(*fleetKeys)
	bucket := s3env.NewFileBucket(t, env, s3env.Client(t), keys)
	step("bucket")
	if err := <-rowsMade; err != nil {
		t.Fatal(err)
	}
	step("table")
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"rivershard_keys"}, []string{"key"}, pgx.CopyFromSlice(len(keys), func(i int) ([]any, error) {
		return []any{keys[i]}, nil
	})); err != nil {
		t.Fatal(err)
	}
	s3c := s3env.Client(t)
	bsrc, err := bucketSource(s3c, bucket)
	if err != nil {
		t.Fatal(err)
	}
	tsrc, err := tableSource(pool)
	if err != nil {
		t.Fatal(err)
	}
	nb := plan(t, pool, "bucket", bsrc, 8)
	step("bucket planned")
	nt := plan(t, pool, "table", tsrc, 8)
	t.Logf("set up in %v: %d keys in %d shards, %d rows in %d shards", time.Since(start).Round(time.Millisecond), len(keys), nb, *fleetRows, nt)

	cfg := workerConfig{DSN: dsn, S3: env, Bucket: bucket, Timing: quick}
	procs := make([]*workerProc, *fleetWorkers)
	for i := range procs {
		procs[i] = startWorker(t, cfg)
	}
	defer func() {
		for _, p := range procs {
			p.kill()
			if t.Failed() {
				t.Logf("a worker's log:\n%s", p.stderr)
			}
		}
	}()

	finished := func() bool {
		for _, run := range []string{"bucket", "table"} {
			if p, err := rivershard.Status(ctx, pool, run, nil); err != nil || !p.Finished() {
				return false
			}
		}
		return true
	}
	// Kill a started worker every 0.2 to 1 s, and start another in its
	// place at once.
	landed := 0
	for landed < *kills && !finished() {
		time.Sleep(200*time.Millisecond + rand.N(800*time.Millisecond))
		var ready []int
		for i, p := range procs {
			if p.isReady() {
				ready = append(ready, i)
			}
		}
		if len(ready) == 0 || finished() {
			continue
		}
		i := ready[rand.IntN(len(ready))]
		if !procs[i].kill() {
			t.Fatalf("worker: %s\n%s", procs[i].said, procs[i].stderr)
		}
		landed++
		procs[i] = startWorker(t, cfg)
	}
	step(fmt.Sprintf("%d kills", landed))
	if landed < *kills {
		t.Errorf("the runs finished after %d kills, want %d", landed, *kills)
	}
	waitFinished(t, pool, 120*time.Second, "bucket", "table")
	step("runs finished")

	checkTableCopy(t, pool)
	checkBucketCopy(t, pool)
	all, inside := splits(t, pool, "bucket", bigPrefix)
	t.Logf("river_job shows %d jobs of the bucket split off running ones, %d inside %s", all, inside, bigPrefix)
	for _, run := range []string{"bucket", "table"} {
		p, err := rivershard.Status(ctx, pool, run, nil)
		t.Logf("%s: %+v %v", run, p, err)
	}
}

// checkBucketCopy fails t unless rivershard_objects holds each key of
// rivershard_keys once, and nothing else.
func checkBucketCopy(t *testing.T, db *pgxpool.Pool) {
	t.Helper()
	var want, got, dups, missing int
	err := db.QueryRow(context.Background(), `SELECT
	(SELECT count(*) FROM rivershard_keys),
	(SELECT count(*) FROM rivershard_objects),
	(SELECT count(*) FROM (SELECT key FROM rivershard_objects GROUP BY key HAVING count(*) > 1) AS d),
	(SELECT count(*) FROM rivershard_keys k WHERE NOT EXISTS (SELECT 1 FROM rivershard_objects o WHERE o.key = k.key))`).
		Scan(&want, &got, &dups, &missing)
	if err != nil {
		t.Fatal(err)
	}
	if got != want || dups != 0 || missing != 0 {
		t.Errorf("rivershard_objects holds %d objects for the %d keys of the bucket: %d keys more than once, %d missing", got, want, dups, missing)
	}
}

// splits returns the number of jobs of run that river_job shows split
// off a running one, and how many of those start inside prefix.
func splits(t *testing.T, db *pgxpool.Pool, run, prefix string) (all, inside int) {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT args->>'shard' FROM river_job
WHERE kind = $1 AND args->>'run' = $2 AND args ? 'parent'`, rivershard.Kind, run)
	if err != nil {
		t.Fatal(err)
	}
	shards, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range shards {
		sh, err := shard.Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(sh.Start, prefix) {
			inside++
		}
	}
	return len(shards), inside
}

type workerProc struct {
	*exec.Cmd
	stdin  io.WriteCloser
	stderr *strings.Builder
	ready  chan struct{} // closed when its River client has started
	done   chan struct{} // closed when it has exited and been waited for
	said   string        // its first line, when not "ready"
}

// startWorker starts a worker process, which says "ready" when its River
// client has started.
func startWorker(t *testing.T, cfg workerConfig) *workerProc {
	t.Helper()
	enc, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &workerProc{
		Cmd:    exec.Command(os.Args[0], "-test.run=^TestFleet$", "-test.count=1"),
		stderr: &strings.Builder{},
		ready:  make(chan struct{}),
		done:   make(chan struct{}),
	}
	p.Env = append(os.Environ(), workerEnv+"="+string(enc))
	p.Stderr = p.stderr
	out, err := p.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if p.stdin, err = p.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if line == "ready\n" {
			close(p.ready)
		} else {
			p.said = fmt.Sprintf("%q, %v", line, err)
		}
		p.Wait()
		close(p.done)
	}()
	return p
}

// isReady reports whether p's River client has started.
func (p *workerProc) isReady() bool {
	select {
	case <-p.ready:
		return true
	default:
		return false
	}
}

// kill kills the worker with SIGKILL and waits for it. It reports whether
// the worker had started.
func (p *workerProc) kill() bool {
	p.Process.Kill()
	<-p.done
	return p.said == ""
}

// workerMain runs a worker of the runs of TestFleet, and exits when its
// standard input ends (the test has ended) or it is killed.
func workerMain(t *testing.T, enc string) {
	var cfg workerConfig
	if err := json.Unmarshal([]byte(enc), &cfg); err != nil {
		fail(err)
	}
	ctx := context.Background()
	pool, err := newPool(ctx, cfg.DSN, 12)
	if err != nil {
		fail(err)
	}
	s3c := s3env.NewClient(t, cfg.S3)
	w, err := rivershard.NewWorker(pool, &rivershard.Options{SplitAfter: cfg.Timing.SplitAfter})
	if err != nil {
		fail(err)
	}
	bsrc, err := bucketSource(s3c, cfg.Bucket)
	if err != nil {
		fail(err)
	}
	tsrc, err := tableSource(pool)
	if err != nil {
		fail(err)
	}
	if err := rivershard.Register(w, "bucket", bsrc, rivershard.PGCopy(objectSink(1000))); err != nil {
		fail(err)
	}
	if err := rivershard.Register(w, "table", tsrc, rivershard.PGCopy(tableSink(5000))); err != nil {
		fail(err)
	}
	client, err := newClient(pool, w, cfg.Timing, os.Stderr)
	if err != nil {
		fail(err)
	}
	if err := client.Start(ctx); err != nil {
		fail(err)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "worker: %v\n", err)
	os.Exit(2)
}
