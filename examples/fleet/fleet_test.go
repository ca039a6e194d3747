package fleet

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
	"github.com/sluice-go/sluice/shard/rivershard"
	"github.com/sluice-go/sluice/sources/s3list"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }

// workerEnv holds the command line of a worker process, its arguments
// separated by \x1f: the test binary started again by TestFleet runs
// WorkerCommand with them and nothing else.
const workerEnv = "FLEET_TEST_WORKER"

// fleetKeys returns the keys of the test's bucket: n under data/, in
// directories of 500, and a tenth as many under other/, outside the
// prefix the run copies.
func fleetKeys(n int) []string {
	var keys []string
	for i := range n {
		keys = append(keys, fmt.Sprintf("data/%02d/%05d.log", i/500, i))
	}
	for i := range n / 10 {
		keys = append(keys, fmt.Sprintf("other/%05d.log", i))
	}
	return keys
}

// TestFleet plans a run (twice: the second does nothing) and copies the
// 3,000 keys of a prefix of a bucket into a table with two worker
// processes, this test binary started again, each working two shard jobs
// at once, each request 50 ms slower than the gateway (-s3-delay). The
// run is planned in 2 shards of about 15 pages each, and the workers split
// off half of what a shard has left every 200 ms while no job waits, so
// that the four slots fill with splits: a shard takes 750 ms at least
// (its pages times the delay), so each is split whatever the machine's
// speed. In the end the table holds each object of the prefix once, as
// the listing has it, and nothing else, and the status says the run is
// finished.
func TestFleet(t *testing.T) {
	if enc := os.Getenv(workerEnv); enc != "" {
		workerProcess(enc)
		return
	}
	if testing.Short() {
		t.Skip("the fleet test is skipped in -short mode")
	}
	ctx := context.Background()
	start := time.Now()
	step := func(what string) { t.Logf("%v: %s", time.Since(start).Round(time.Millisecond), what) }
	env := testenv.S3(t)
	s3env.SetAWSEnv(t.Setenv, env)
	client := s3env.Client(t)
	bucket := s3env.NewFileBucket(t, env, client, fleetKeys(3000))
	// A few objects with contents of their own, so that sizes and ETags
	// vary: the gateway lists the files above with a default ETag.
	for i := range 30 {
		key := fmt.Sprintf("data/99/put-%02d", i)
		_, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(strings.Repeat("x", i)),
		}, func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired })
		if err != nil {
			t.Fatal(err)
		}
	}
	step("bucket")
	dsn := pgenv.Database(t)
	run := "fleet-test"
	common := []string{
		"-dsn", dsn, "-endpoint", env.Endpoint, "-region", env.Region, "-path-style",
		"-run", run, "-table", "public.objects", "-page", "100", "s3://" + bucket + "/data/",
	}
	// Flags go before the argument.
	with := func(flags ...string) []string {
		return slices.Concat(flags, common)
	}

	var out strings.Builder
	if err := PlanCommand(ctx, with("-shards", "2"), &out); err != nil {
		t.Fatalf("plan: %v\n%s", err, out.String())
	}
	if err := PlanCommand(ctx, with("-shards", "5"), &out); err != nil {
		t.Fatalf("plan again: %v\n%s", err, out.String())
	}
	step("plan, twice:\n" + out.String())
	if !strings.Contains(out.String(), "planned run "+run) || !strings.Contains(out.String(), "run "+run+" is planned already") {
		t.Errorf("plan, twice, said:\n%s", out.String())
	}

	workerArgs := with("-concurrency", "2", "-batch", "150", "-s3-delay", "50ms", "-split-after", "200ms",
		"-job-timeout", "20s", "-rescue-after", "30s", "-exit")
	procs := []*workerProc{startWorker(t, env, workerArgs), startWorker(t, env, workerArgs)}
	for i, p := range procs {
		if err := p.wait(90 * time.Second); err != nil {
			t.Fatalf("worker %d: %v\nstdout:\n%s\nstderr:\n%s", i, err, p.stdout, p.stderr.String())
		}
		step(fmt.Sprintf("worker %d said:\n%s", i, p.stdout))
		if !strings.Contains(p.stdout, "run "+run+": finished") {
			t.Errorf("worker %d did not say that the run finished", i)
		}
	}

	checkCopy(t, dsn, bucket)
	pool := pgenv.Connect(t, dsn)
	p, err := rivershard.Status(ctx, pool, run, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("status: %+v", p)
	if !p.Finished() || p.Splits == 0 {
		t.Errorf("status %+v: want the run finished, with shards split off running ones", p)
	}
	out.Reset()
	if err := PlanCommand(ctx, with("-status"), &out); err != nil {
		t.Fatalf("plan -status: %v\n%s", err, out.String())
	}
	t.Logf("plan -status: %s", out.String())
	if want := "\"public\".\"objects\" holds 3030 objects"; !strings.Contains(out.String(), "finished") || !strings.Contains(out.String(), want) {
		t.Errorf("plan -status said %q, want it finished and %q", out.String(), want)
	}
}

// object is a row of the table, and an object of the listing.
type object struct {
	Key          string
	Size         int64
	ETag         string
	LastModified time.Time
}

// checkCopy fails t unless the table objects holds exactly the objects of
// the listing of bucket under data/, each once.
func checkCopy(t *testing.T, dsn, bucket string) {
	t.Helper()
	ctx := context.Background()
	var want []object
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("data/")}
	for o, err := range s3list.All(ctx, s3env.Client(t), in, nil) {
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, object{aws.ToString(o.Key), aws.ToInt64(o.Size), aws.ToString(o.ETag), aws.ToTime(o.LastModified)})
	}
	conn := pgenv.Connect(t, dsn)
	rows, err := conn.Query(ctx, `SELECT key, size, etag, last_modified FROM objects ORDER BY key COLLATE "C"`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[object])
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, o := range got {
		count[o.Key]++
	}
	var dups, missing int
	for _, n := range count {
		if n > 1 {
			dups++
		}
	}
	for _, o := range want {
		if count[o.Key] == 0 {
			missing++
		}
	}
	t.Logf("the table holds %d rows, the listing %d objects: %d keys more than once, %d missing", len(got), len(want), dups, missing)
	if len(want) != 3030 {
		t.Fatalf("the listing holds %d objects, want 3030", len(want))
	}
	if len(got) != len(want) || dups != 0 || missing != 0 {
		t.Fatalf("the table holds %d rows for the %d objects of the listing: %d keys more than once, %d missing", len(got), len(want), dups, missing)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Key != w.Key || g.Size != w.Size || g.ETag != w.ETag || !g.LastModified.Equal(w.LastModified) {
			t.Fatalf("row %d of the table is %+v, want %+v", i, g, w)
		}
	}
}

type workerProc struct {
	*exec.Cmd
	stdout string // once it has exited
	stderr strings.Builder
	done   chan error // the result of Wait
}

// startWorker starts a worker process with args.
func startWorker(t *testing.T, env testenv.S3Env, args []string) *workerProc {
	t.Helper()
	p := &workerProc{
		Cmd:  exec.Command(os.Args[0], "-test.run=^TestFleet$", "-test.count=1"),
		done: make(chan error, 1),
	}
	p.Env = os.Environ()
	s3env.SetAWSEnv(func(k, v string) { p.Env = append(p.Env, k+"="+v) }, env)
	p.Env = append(p.Env, workerEnv+"="+strings.Join(args, "\x1f"))
	p.Stderr = &p.stderr
	pipe, err := p.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	var lines strings.Builder
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines.WriteString(sc.Text() + "\n")
		}
		err := p.Wait()
		p.stdout = lines.String()
		p.done <- err
	}()
	t.Cleanup(func() {
		p.Process.Kill()
		<-p.done
		p.done <- nil
	})
	return p
}

// wait waits for p to exit, and kills it after limit, when the test has
// gone wrong.
func (p *workerProc) wait(limit time.Duration) error {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-timer.C:
		p.Process.Kill()
		err := <-p.done
		p.done <- err
		return fmt.Errorf("still running after %v: killed (%v)", limit, err)
	}
}

// workerProcess runs the worker that enc describes, as its main would, and
// exits.
func workerProcess(enc string) {
	if err := WorkerCommand(context.Background(), strings.Split(enc, "\x1f"), os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "worker: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}
