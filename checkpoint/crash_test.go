package checkpoint_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/checkpoint"
)

const crashDirEnv = "SLUICE_CHECKPOINT_CRASH_DIR"

// crashCursor is the n-th cursor the child saves; its length varies so that
// a torn write would show.
func crashCursor(n int) string {
	return strconv.Itoa(n) + ":" + strings.Repeat(string(rune('a'+n%26)), n%3000)
}

func parseCrashCursor(c string) (int, bool) {
	ns, _, ok := strings.Cut(c, ":")
	n, err := strconv.Atoi(ns)
	return n, ok && err == nil && c == crashCursor(n)
}

// TestFileCrash kills a process saving in a loop with SIGKILL at random
// instants; each time, the checkpoint must hold a cursor the child saved,
// no older than the last one seen, and never garbage. (A process crash, not
// a power loss: the fsyncs are exercised but their effect is not.)
func TestFileCrash(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashChild(dir)
		return
	}
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s, err := checkpoint.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	for kill := range 10 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFileCrash$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(50+rand.IntN(150)) * time.Millisecond)
		cmd.Process.Kill()
		if err := cmd.Wait(); err == nil || cmd.ProcessState.Exited() {
			t.Fatalf("kill %d: child exited by itself (%v): %s", kill, err, stderr.String())
		}

		c, err := s.Load(ctx, "crash")
		if err != nil {
			t.Fatalf("kill %d: Load = %v", kill, err)
		}
		if c == "" {
			if last >= 0 {
				t.Fatalf("kill %d: Load = \"\" after cursor %d", kill, last)
			}
			continue
		}
		n, ok := parseCrashCursor(c)
		if !ok {
			t.Fatalf("kill %d: Load = %.40q…, not a cursor the child saved", kill, c)
		}
		if n < last {
			t.Fatalf("kill %d: cursor went back from %d to %d", kill, last, n)
		}
		last = n
	}
	t.Logf("last cursor %d", last)
}

func crashChild(dir string) {
	ctx := context.Background()
	s, err := checkpoint.NewFile(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	c, err := s.Load(ctx, "crash")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	n := 0
	if c != "" {
		n, _ = parseCrashCursor(c)
		n++
	}
	for ; ; n++ {
		if err := s.Save(ctx, "crash", crashCursor(n)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}
