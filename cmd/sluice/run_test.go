package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// hookWriter calls hook before each write to w; a non-nil error from it
// fails the write after n bytes.
type hookWriter struct {
	w    io.Writer
	hook func(p []byte) (n int, err error)
}

func (h *hookWriter) Write(p []byte) (int, error) {
	n, err := h.hook(p)
	if err != nil {
		m, _ := h.w.Write(p[:n])
		return m, err
	}
	return h.w.Write(p)
}

// TestRunInterrupted cancels run's context, as a signal does, during its
// first write: run stops, exits 130, and reports the cursor of the last
// line written.
func TestRunInterrupted(t *testing.T) {
	root := tree(t, 10, 300)
	var full bytes.Buffer
	if code := run(context.Background(), []string{"walk", root}, nil, &full, io.Discard); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, stderr bytes.Buffer
	w := &hookWriter{w: &out, hook: func(p []byte) (int, error) { cancel(); return 0, nil }}
	if code := run(ctx, []string{"walk", root}, nil, w, &stderr); code != exitInterrupted {
		t.Fatalf("exit code %d, want %d; stderr %q", code, exitInterrupted, stderr.String())
	}
	m := resumeRE.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("stderr = %q", stderr.String())
	}
	objs := objects(t, out.String())
	if len(objs) == 0 || objs[len(objs)-1]["cursor"] != m[1] || out.Len() >= full.Len() {
		t.Fatalf("interrupted run printed %d lines, cursor %q", len(objs), m[1])
	}
	var rest bytes.Buffer
	if code := run(context.Background(), []string{"walk", root, "--after", m[1]}, nil, &rest, io.Discard); code != 0 {
		t.Fatalf("resumed run: exit code %d", code)
	}
	if out.String()+rest.String() != full.String() {
		t.Errorf("interrupted + resumed run != full run")
	}

	// Interrupted before anything was written.
	stderr.Reset()
	if code := run(ctx, []string{"walk", root}, nil, io.Discard, &stderr); code != exitInterrupted || !strings.Contains(stderr.String(), "run again from the start") {
		t.Errorf("canceled from the start: exit code %d, stderr %q", code, stderr.String())
	}
}

// TestRunWriteErrors: a closed pipe ends the run quietly; another write
// error fails it; either way the checkpoint holds the last line that was
// written whole, and resuming from it loses nothing.
func TestRunWriteErrors(t *testing.T) {
	root := tree(t, 10, 300)
	var full bytes.Buffer
	if code := run(context.Background(), []string{"walk", root}, nil, &full, io.Discard); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	for _, werr := range []error{syscall.EPIPE, errors.New("disk full")} {
		ck := filepath.Join(t.TempDir(), "ck")
		var out, stderr bytes.Buffer
		writes := 0
		w := &hookWriter{w: &out, hook: func(p []byte) (int, error) {
			if writes++; writes == 2 {
				return len(p) / 2, werr // half a buffer, ending mid-line
			}
			return 0, nil
		}}
		code := run(context.Background(), []string{"walk", root, "--checkpoint", ck}, nil, w, &stderr)
		if werr == syscall.EPIPE {
			if code != 0 || stderr.Len() != 0 {
				t.Errorf("EPIPE: exit code %d, stderr %q; want 0 and nothing", code, stderr.String())
			}
		} else if code != 1 || !strings.Contains(stderr.String(), "writing output: disk full") {
			t.Errorf("disk full: exit code %d, stderr %q", code, stderr.String())
		}
		written := out.String()[:strings.LastIndexByte(out.String(), '\n')+1] // whole lines
		var rest bytes.Buffer
		if code := run(context.Background(), []string{"walk", root, "--checkpoint", ck}, nil, &rest, io.Discard); code != 0 {
			t.Fatalf("resumed run: exit code %d", code)
		}
		if written+rest.String() != full.String() {
			t.Errorf("%v: the lines written (%d) + the resumed run (%d) != the full run (%d)", werr,
				len(lines(written)), len(lines(rest.String())), len(lines(full.String())))
		}
	}
}

var servingRE = regexp.MustCompile(`serving (http://[^ ]+)/metrics`)

// TestMetrics scrapes /metrics and /debug/pprof/ while the run is held in
// a write to stdout.
func TestMetrics(t *testing.T) {
	root := tree(t, 3, 300)
	var stderr, out bytes.Buffer
	var metrics string
	var pprofStatus, firstWrite int
	var goroutines string
	w := &hookWriter{w: &out, hook: func(p []byte) (int, error) {
		if metrics != "" {
			return 0, nil
		}
		firstWrite = bytes.Count(p, []byte{'\n'})
		m := servingRE.FindStringSubmatch(stderr.String())
		if m == nil {
			t.Errorf("stderr = %q, want the address", stderr.String())
			return 0, nil
		}
		metrics = get(t, m[1]+"/metrics", new(int))
		get(t, m[1]+"/debug/pprof/", &pprofStatus)
		goroutines = get(t, m[1]+"/debug/pprof/goroutine?debug=1", new(int))
		return 0, nil
	}}
	if code := run(context.Background(), []string{"walk", root, "--metrics", "127.0.0.1:0"}, nil, w, &stderr); code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	m := regexp.MustCompile(`(?m)^sluice_items_total\{stream="walk"\} ([0-9]+)$`).FindStringSubmatch(metrics)
	if m == nil {
		t.Fatalf("/metrics lacks sluice_items_total{stream=\"walk\"}:\n%s", metrics)
	}
	// The values travel in batches; the count is of values: at least
	// those of the lines being written.
	if n, _ := strconv.Atoi(m[1]); n < firstWrite || firstWrite == 0 {
		t.Errorf("sluice_items_total{stream=\"walk\"} = %d while %d lines are written: want values counted, not batches", n, firstWrite)
	}
	if pprofStatus != http.StatusOK {
		t.Errorf("/debug/pprof/: status %d", pprofStatus)
	}
	// The source's goroutine, which sends the batches, carries the label.
	if !strings.Contains(goroutines, `labels: {"sluice.stream":"walk"}`) {
		t.Errorf("no goroutine labeled sluice.stream=walk in /debug/pprof/goroutine?debug=1:\n%s", goroutines)
	}
}

func get(t *testing.T, url string, status *int) string {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
		return ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("GET %s: %v", url, err)
	}
	*status = resp.StatusCode
	return string(b)
}
