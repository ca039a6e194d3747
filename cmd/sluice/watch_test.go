package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lineReader collects the lines a process prints, for polling.
type lineReader struct {
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func readLines(r io.Reader) *lineReader {
	lr := &lineReader{done: make(chan struct{})}
	go func() {
		defer close(lr.done)
		s := bufio.NewScanner(r)
		for s.Scan() {
			lr.mu.Lock()
			lr.lines = append(lr.lines, s.Text())
			lr.mu.Unlock()
		}
	}()
	return lr
}

// waitFor polls until a line contains s, doing poke before each look,
// and fails t if the process ends first.
func (lr *lineReader) waitFor(t *testing.T, s string, poke func()) {
	t.Helper()
	for {
		if poke != nil {
			poke()
		}
		lr.mu.Lock()
		for _, l := range lr.lines {
			if strings.Contains(l, s) {
				lr.mu.Unlock()
				return
			}
		}
		lr.mu.Unlock()
		select {
		case <-lr.done:
			t.Fatalf("the output ended without %q", s)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			cmd := exec.Command(bin, "watch", dir, "--format", format)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lr := readLines(stdout)
			// Ready when a file created now shows.
			probe := filepath.Join(dir, "probe-"+format)
			lr.waitFor(t, probe, func() { _ = os.WriteFile(probe, nil, 0o644) })
			file := filepath.Join(dir, "sub-"+format, "new.txt")
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf(`{"path":%q,"op":"CREATE"}`, file)
			if format == "text" {
				want = "CREATE " + file
			}
			lr.waitFor(t, want, nil)
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			<-lr.done
			err = cmd.Wait()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
				t.Errorf("exit: %v, want exit code 130", err)
			}
			if stderr.String() != "sluice: interrupted\n" {
				t.Errorf("stderr = %q", stderr.String())
			}
			for _, l := range lr.lines {
				if format == "json" && strings.Contains(l, "cursor") {
					t.Errorf("a watch event has a cursor: %s", l)
				}
			}
		})
	}
}

func TestWatchLimit(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a", "b", "c"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := ok(t, "", nil, "watch", "--existing", "--limit", "2", "--format", "text", dir)
	if len(lines(out)) != 2 || !strings.HasPrefix(out, "CREATE ") {
		t.Errorf("watch --existing --limit 2:\n%s", out)
	}
}

// TestWatchMetrics runs a watch, held open, with --metrics on any port,
// and scrapes it: the items sent, and the pprof label of the stream's
// goroutine.
func TestWatchMetrics(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(bin, "watch", dir, "--metrics", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stderr := bufio.NewReader(stderrPipe)
	first, err := stderr.ReadString('\n')
	if err != nil {
		t.Fatalf("reading stderr: %v", err)
	}
	m := servingRE.FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("stderr's first line = %q, want the address", first)
	}
	lr := readLines(stdout)
	probe := filepath.Join(dir, "probe")
	lr.waitFor(t, probe, func() { _ = os.WriteFile(probe, nil, 0o644) })

	var status int
	metrics := get(t, m[1]+"/metrics", &status)
	if !regexp.MustCompile(`(?m)^sluice_items_total\{stream="watch"\} [1-9]`).MatchString(metrics) {
		t.Errorf("/metrics (status %d) lacks sluice_items_total{stream=\"watch\"} above 0:\n%s", status, metrics)
	}
	if get(t, m[1]+"/debug/pprof/", &status); status != 200 {
		t.Errorf("/debug/pprof/: status %d", status)
	}
	if g := get(t, m[1]+"/debug/pprof/goroutine?debug=1", &status); !strings.Contains(g, `"sluice.stream":"watch"`) {
		t.Errorf("no goroutine labeled sluice.stream=watch:\n%s", g)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stderr)
	<-lr.done
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 || string(rest) != "sluice: interrupted\n" {
		t.Errorf("exit: %v, stderr %q; want exit code 130 and the interruption", err, rest)
	}
}
