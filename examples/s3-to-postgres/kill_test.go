package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
)

var kills = flag.Int("kills", 6, "`number` of SIGKILLs TestKill lands in the middle of a load")

// The environment of a loader: the test binary started again by TestKill.
const (
	loaderEnv = "S3_TO_POSTGRES_LOADER" // the config, as loaderConfig encodes it
)

// TestKill kills a loader, the test binary run again as a separate
// process, with SIGKILL at random instants while it loads the 20,000
// objects of a bucket, and restarts it each time. After each kill the
// table, which has no key to refuse a duplicate, must hold exactly the
// objects of the listing up to the checkpoint's key, each once; at the
// end, exactly the listing. A load that ends before its kill is checked
// too, and the next starts on a new table, so that every kill counted
// lands mid-load.
func TestKill(t *testing.T) {
	if enc := os.Getenv(loaderEnv); enc != "" {
		loader(enc)
		return
	}
	if testing.Short() {
		t.Skip("kill test skipped in -short mode")
	}
	env := testenv.S3(t)
	client := s3env.Client(t)
	cfg := config{
		endpoint:  env.Endpoint,
		region:    env.Region,
		pathStyle: true,
		bucket:    sharedBucket(t, client),
		dsn:       pgenv.Database(t),
		workers:   4,
	}
	full := listing(t, client, cfg.bucket, "")
	if len(full) != sharedObjects {
		t.Fatalf("the listing of %s has %d objects, want %d", cfg.source(), len(full), sharedObjects)
	}
	conn := pgenv.Connect(t, cfg.dsn)
	var (
		round    int
		landed   int // kills that landed mid-load
		finished int // loads that ended before their kill
		took     time.Duration
		loaded   int // objects loaded in took
	)
	fresh := true // the table of the round does not exist yet
	newRound := func() {
		fresh = true
		round++
		cfg.table = fmt.Sprintf("objects_%d", round)
	}
	newRound()
	for attempt := 0; landed < *kills; attempt++ {
		if attempt > 20**kills {
			t.Fatalf("%d kills landed mid-load in %d attempts", landed, attempt)
		}
		var before int
		if !fresh {
			rows, cursor := tableState(t, conn, cfg)
			before = checkUpTo(t, rows, full, cursor)
		}
		// Batches of 200 to 1000 objects, so that a load makes 20 to 100
		// commits and the kills land at every stage of a batch.
		cfg.batch = 200 + rand.IntN(801)
		child := startLoader(t, cfg, env)
		fresh = false
		// The load's expected remaining time, at the rate seen so far (a
		// guess of two seconds for the whole load at first).
		remaining := 2 * time.Second * time.Duration(len(full)-before) / time.Duration(len(full))
		if took > 0 && loaded > 0 {
			remaining = took * time.Duration(len(full)-before) / time.Duration(loaded)
		}
		// A kill within the first half of it, so that most land mid-load.
		start := time.Now()
		select {
		case <-time.After(rand.N(remaining/2 + time.Millisecond)):
			child.Process.Kill()
			<-child.done
		case <-child.done:
		}
		elapsed := time.Since(start)
		if !child.ProcessState.Success() {
			if status := child.ProcessState.String(); status != "signal: killed" {
				t.Fatalf("loader: %s\n%s", status, child.stderr.String())
			}
			pgenv.WaitAlone(t, conn)
		}
		rows, cursor := tableState(t, conn, cfg)
		after := checkUpTo(t, rows, full, cursor)
		if after < before {
			t.Fatalf("kill %d: the checkpoint went back from %d to %d objects", attempt, before, after)
		}
		loaded += after - before
		took += elapsed
		if after == len(full) {
			// Ended, or killed after its last commit: not mid-load.
			finished++
			newRound()
			continue
		}
		landed++
	}

	// A last run loads what remains.
	cfg.batch = 1000
	child := startLoader(t, cfg, env)
	<-child.done
	if !child.ProcessState.Success() {
		t.Fatalf("last loader: %s\n%s", child.ProcessState, child.stderr.String())
	}
	rows, cursor := tableState(t, conn, cfg)
	if n := checkUpTo(t, rows, full, cursor); n != len(full) {
		t.Fatalf("%s holds %d objects after a complete load, want %d", cfg.table, n, len(full))
	}
	t.Logf("%d kills mid-load over %d loads (%d ended before their kill); %.0f objects/s",
		landed, round, finished, float64(loaded)/took.Seconds())
}

type loaderProc struct {
	*exec.Cmd
	stderr strings.Builder
	done   chan struct{} // closed when the loader has exited and been waited for
}

// startLoader starts a loader of cfg and returns when it has loaded its
// checkpoint and begun listing.
func startLoader(t *testing.T, cfg config, env testenv.S3Env) *loaderProc {
	t.Helper()
	c := &loaderProc{
		Cmd:  exec.Command(os.Args[0], "-test.run=^TestKill$", "-test.count=1"),
		done: make(chan struct{}),
	}
	c.Env = os.Environ()
	s3env.SetAWSEnv(func(k, v string) { c.Env = append(c.Env, k+"="+v) }, env)
	c.Env = append(c.Env, loaderEnv+"="+strings.Join([]string{
		cfg.dsn, cfg.endpoint, cfg.region, cfg.bucket, cfg.table, strconv.Itoa(cfg.workers), strconv.Itoa(cfg.batch),
	}, "\x1f"))
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
	if !strings.HasPrefix(line, "loading ") {
		c.Process.Kill()
		<-c.done
		t.Fatalf("loader said %q, %v\n%s", line, err, c.stderr.String())
	}
	return c
}

// loader runs the load that enc describes, as main would, and exits.
func loader(enc string) {
	f := strings.Split(enc, "\x1f")
	cfg := config{dsn: f[0], endpoint: f[1], region: f[2], pathStyle: true, bucket: f[3], table: f[4]}
	cfg.workers, _ = strconv.Atoi(f[5])
	cfg.batch, _ = strconv.Atoi(f[6])
	if err := run(context.Background(), cfg, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "s3-to-postgres: %v\n", err)
		os.Exit(2)
	}
	os.Exit(0)
}
