package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/sources/watch"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }

// output is what a logtail prints, safe to read while it prints.
type output struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

// lines returns the complete lines printed so far.
func (o *output) lines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.buf.String()
	s = s[:strings.LastIndexByte(s, '\n')+1]
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// A tail is a logtail running in the test's process.
type tail struct {
	out     *output
	metrics string // the metrics address, if any
	cancel  context.CancelFunc
	done    chan error
}

// start starts run(cfg) and returns once its watch is in place.
func start(t *testing.T, cfg config) *tail {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tl := &tail{out: &output{}, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	cfg.ready = func(addr string) { ready <- addr }
	if cfg.saveEvery == 0 {
		cfg.saveEvery = time.Second
	}
	cfg.log = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	go func() { tl.done <- run(ctx, cfg, tl.out) }()
	select {
	case tl.metrics = <-ready:
	case err := <-tl.done:
		cancel()
		t.Fatalf("run ended before its watch was in place: %v", err)
	}
	t.Cleanup(func() { tl.stop(t) })
	return tl
}

// stop cancels the run, as Ctrl-C does, and fails t unless it ends
// without error.
func (tl *tail) stop(t *testing.T) {
	t.Helper()
	if tl.done == nil {
		return
	}
	tl.cancel()
	if err := <-tl.done; err != nil {
		t.Errorf("run = %v after its context was canceled, want nil", err)
	}
	tl.done = nil
}

// waitFor waits until every line of want has been printed, and fails t if
// that takes unreasonably long: a line that never comes.
func (tl *tail) waitFor(t *testing.T, want ...string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		got := tl.out.lines()
		missing := slices.DeleteFunc(slices.Clone(want), func(w string) bool { return slices.Contains(got, w) })
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lines %q never printed; printed:\n%s", missing, strings.Join(got, "\n"))
		}
	}
}

// waitForAny waits until one of the lines is printed, and returns it.
func (tl *tail) waitForAny(t *testing.T, lines ...string) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		got := tl.out.lines()
		for _, l := range lines {
			if slices.Contains(got, l) {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("none of %q printed; printed:\n%s", lines, strings.Join(got, "\n"))
		}
	}
}

// testWriter writes logtail's log to the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s", p)
	return len(p), nil
}

// appendTo appends s to the file name under dir, creating it (and its
// directory) if need be.
func appendTo(t *testing.T, dir, name, s string) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkExactlyOnce fails t unless the lines of got are exactly want,
// each once, and in the order of want for each file.
func checkExactlyOnce(t *testing.T, got, want []string) {
	t.Helper()
	perFile := func(lines []string) map[string][]string {
		m := map[string][]string{}
		for _, l := range lines {
			file, _, _ := strings.Cut(l, ": ")
			m[file] = append(m[file], l)
		}
		return m
	}
	g, w := perFile(got), perFile(want)
	for file := range g {
		if _, ok := w[file]; !ok {
			t.Errorf("lines of an unexpected file %s: %q", file, g[file])
		}
	}
	for file, lines := range w {
		if !slices.Equal(g[file], lines) {
			t.Errorf("lines of %s:\n got %q\nwant %q", file, g[file], lines)
		}
	}
}

// TestFollow appends lines in several writes to several files, one of
// them created after the start in a new directory, with a line written in
// two parts: each line is printed once, whole, in order.
func TestFollow(t *testing.T) {
	dir := t.TempDir()
	appendTo(t, dir, "a.log", "a1\na2\n") // there before the start: read from its start
	tl := start(t, config{dir: dir})
	tl.waitFor(t, "a.log: a1", "a.log: a2")

	appendTo(t, dir, "a.log", "a3\na4")
	appendTo(t, dir, "a.log", "\na5\npart")
	appendTo(t, dir, "sub/dir/b.log", "b1\n") // a new file in a new directory
	tl.waitFor(t, "a.log: a5", "sub/dir/b.log: b1")
	// The write of "part" came before b1's, so it has been read: held.
	if got := tl.out.lines(); slices.ContainsFunc(got, func(l string) bool { return strings.HasPrefix(l, "a.log: part") }) {
		t.Fatalf("the partial line was printed before its newline:\n%s", strings.Join(got, "\n"))
	}
	appendTo(t, dir, "a.log", "ial line\r\n")
	appendTo(t, dir, "sub/dir/b.log", "b2\n\nb4\n")
	for i := range 50 {
		appendTo(t, dir, "c.log", fmt.Sprintf("c%d\n", i))
	}
	tl.waitFor(t, "a.log: partial line", "sub/dir/b.log: b4", "c.log: c49")
	tl.stop(t)

	want := []string{"a.log: a1", "a.log: a2", "a.log: a3", "a.log: a4", "a.log: a5", "a.log: partial line",
		"sub/dir/b.log: b1", "sub/dir/b.log: b2", "sub/dir/b.log: ", "sub/dir/b.log: b4"}
	for i := range 50 {
		want = append(want, fmt.Sprintf("c.log: c%d", i))
	}
	checkExactlyOnce(t, tl.out.lines(), want)
}

// TestTruncate truncates a file and replaces another by a rename: each is
// read again from its start, and a file renamed keeps its place under the
// new name.
func TestTruncate(t *testing.T) {
	dir := t.TempDir()
	tl := start(t, config{dir: dir})
	appendTo(t, dir, "trunc.log", "old line 1\nold line 2\nold line 3\n")
	appendTo(t, dir, "repl.log", "r1\n")
	appendTo(t, dir, "rot.log", "rot1\nrot2\n")
	tl.waitFor(t, "trunc.log: old line 3", "repl.log: r1", "rot.log: rot2")

	// Truncated, then shorter than where the reading stood.
	if err := os.Truncate(filepath.Join(dir, "trunc.log"), 0); err != nil {
		t.Fatal(err)
	}
	appendTo(t, dir, "trunc.log", "new 1\n")
	// Replaced by another file, longer than the first, written outside
	// the tree.
	tmp := filepath.Join(t.TempDir(), "repl.new")
	if err := os.WriteFile(tmp, []byte("s1\ns2\ns3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "repl.log")); err != nil {
		t.Fatal(err)
	}
	// Rotated: renamed, then written to under its new name, and a new
	// file made under the old.
	if err := os.Rename(filepath.Join(dir, "rot.log"), filepath.Join(dir, "rot.log.1")); err != nil {
		t.Fatal(err)
	}
	appendTo(t, dir, "rot.log.1", "rot3\n")
	appendTo(t, dir, "rot.log", "fresh1\n")
	// rot3 is printed under the old name when logtail reads the file
	// before it has the Rename (an event of the first lines, handled
	// late, can open the file just before the rename and read it just
	// after), as tail -F prints what it reads from the file it has open.
	rot3 := tl.waitForAny(t, "rot.log.1: rot3", "rot.log: rot3")
	tl.waitFor(t, "trunc.log: new 1", "repl.log: s3", "rot.log: fresh1")
	appendTo(t, dir, "trunc.log", "new 2\n")
	tl.waitFor(t, "trunc.log: new 2")
	tl.stop(t)

	checkExactlyOnce(t, tl.out.lines(), []string{
		"trunc.log: old line 1", "trunc.log: old line 2", "trunc.log: old line 3", "trunc.log: new 1", "trunc.log: new 2",
		"repl.log: r1", "repl.log: s1", "repl.log: s2", "repl.log: s3",
		"rot.log: rot1", "rot.log: rot2", rot3, "rot.log: fresh1",
	})
}

// TestRestart stops a logtail with -state, writes while it is down (the
// end of a partial line, more lines, a new file), and starts another: the
// two print every line once.
func TestRestart(t *testing.T) {
	dir, state := t.TempDir(), t.TempDir()
	cfg := config{dir: dir, state: state}
	first := start(t, cfg)
	appendTo(t, dir, "a.log", "a1\na2\n")
	appendTo(t, dir, "b.log", "b1\nb2 part")
	first.waitFor(t, "a.log: a1", "a.log: a2", "b.log: b1")
	first.stop(t)

	appendTo(t, dir, "a.log", "a3\n")
	appendTo(t, dir, "b.log", " two\nb3\n")
	appendTo(t, dir, "c.log", "c1\n")
	second := start(t, cfg)
	second.waitFor(t, "a.log: a3", "b.log: b2 part two", "b.log: b3", "c.log: c1")
	appendTo(t, dir, "a.log", "a4\n")
	second.waitFor(t, "a.log: a4")
	second.stop(t)

	checkExactlyOnce(t, append(first.out.lines(), second.out.lines()...), []string{
		"a.log: a1", "a.log: a2", "a.log: a3", "a.log: a4",
		"b.log: b1", "b.log: b2 part two", "b.log: b3",
		"c.log: c1",
	})
}

// TestMetrics scrapes /metrics: sluice_items_total of the lines stream is
// the number of lines printed.
func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	tl := start(t, config{dir: dir, metrics: "127.0.0.1:0"})
	for i := range 20 {
		appendTo(t, dir, fmt.Sprintf("f%d.log", i%3), fmt.Sprintf("line %d\n", i))
	}
	tl.waitFor(t, "f0.log: line 18", "f1.log: line 19", "f2.log: line 17")
	if n := len(tl.out.lines()); n != 20 {
		t.Fatalf("%d lines printed, want 20", n)
	}
	metrics := scrape(t, "http://"+tl.metrics+"/metrics")
	if got, want := metrics[`sluice_items_total{stream="lines"}`], 20.0; got != want {
		t.Errorf(`sluice_items_total{stream="lines"} = %v, want %v`, got, want)
	}
	// The kernel merges a file's writes not read yet into one event: the
	// watch stream has sent at least one event per file.
	if got := metrics[`sluice_items_total{stream="watch"}`]; got < 3 {
		t.Errorf(`sluice_items_total{stream="watch"} = %v, want at least an event per file`, got)
	}
	tl.stop(t)
}

// scrape returns the samples of the Prometheus text exposition at url, by
// series ("name{labels}").
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	samples := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("GET %s: malformed sample %q", url, line)
		}
		samples[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
	return samples
}

// TestCancel cancels a logtail while it reads a large file: it ends
// without error, and leaves no goroutine (TestMain checks).
func TestCancel(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 200_000 {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	appendTo(t, dir, "big.log", b.String())
	tl := start(t, config{dir: dir})
	tl.waitFor(t, "big.log: line 0")
	tl.stop(t)
	if n := len(tl.out.lines()); n == 200_000 {
		t.Logf("the whole file was printed before the cancellation")
	}
}

func TestBadConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cfg  config
		want string
	}{
		{config{dir: filepath.Join(dir, "nowhere")}, "directory " + filepath.Join(dir, "nowhere") + " does not exist"},
		{config{dir: file}, file + " is not a directory"},
		{config{dir: dir, include: "[x"}, `-include "[x": syntax error in pattern`},
		{config{dir: dir, state: filepath.Join(dir, "nostate"), saveEvery: time.Second}, "nostate"},
		{config{dir: dir, state: dir}, "-save-every 0s: want a positive duration"},
		{config{dir: dir, metrics: "256.0.0.1:bad"}, "-metrics: "},
	} {
		err := run(context.Background(), tc.cfg, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("run(%+v) = %v, want one line containing %q", tc.cfg, err, tc.want)
		}
	}
}

func TestPlace(t *testing.T) {
	p := place{ID: fileID{Dev: 7, Ino: 1 << 40}, Off: 12, Cursor: "c"}
	if got, err := parsePlace(p.String()); err != nil || got != p {
		t.Errorf("parsePlace(%s) = %+v, %v; want %+v", p, got, err, p)
	}
	for _, bad := range []string{"x", `{"off":-1}`, `{"off":3}`, `{"cursor":"c"}`, `{"off":1,"cursor":"c","more":1}`, `{} {}`} {
		if _, err := parsePlace(bad); err == nil {
			t.Errorf("parsePlace(%s) succeeded", bad)
		}
	}
	for _, rel := range []string{"a.log", "sub/dir/b.log", ".hidden", "../x", strings.Repeat("long/", 60)} {
		name := stateName(rel)
		if strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") || len(name) > 255 {
			t.Errorf("stateName(%q) = %q, not a file name", rel, name)
		}
	}
}

// TestStaleRotation gives the tailer the events of a rotation late, once
// the rotation is over: a Write of the old name, which now holds the new
// file, comes before the Rename that says where the old file went. The
// rotated file keeps its place under its new name, and the new file is
// read from its start: no line twice.
func TestStaleRotation(t *testing.T) {
	dir := t.TempDir()
	appendTo(t, dir, "rot.log", "rot1\nrot2\n")
	tl := newTestTailer(dir)
	got := tl.step(t, ev(dir, watch.Create, "rot.log"))
	if err := os.Rename(filepath.Join(dir, "rot.log"), filepath.Join(dir, "rot.log.1")); err != nil {
		t.Fatal(err)
	}
	appendTo(t, dir, "rot.log.1", "rot3\n")
	appendTo(t, dir, "rot.log", "fresh1\n")
	got = append(got, tl.step(t,
		ev(dir, watch.Write, "rot.log"), // of the old file, handled late
		ev(dir, watch.Rename, "rot.log"),
		ev(dir, watch.Create, "rot.log.1"),
		ev(dir, watch.Write, "rot.log.1"),
		ev(dir, watch.Create, "rot.log"),
		ev(dir, watch.Write, "rot.log"),
	)...)
	want := []string{"rot.log: rot1", "rot.log: rot2", "rot.log at 0", "rot.log: fresh1", "rot.log.1 at 10", "rot.log.1: rot3"}
	if !slices.Equal(got, want) {
		t.Errorf("items:\n got %q\nwant %q", got, want)
	}
}

// A place moved away is claimed only by a file with its inode and the
// same bytes before it: not by a new file that got the inode of one
// removed.
func TestClaimChecksTail(t *testing.T) {
	dir := t.TempDir()
	appendTo(t, dir, "new.log", "fresh1\n")
	f, err := os.Open(filepath.Join(dir, "new.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	tl := newTestTailer(dir)
	old := place{ID: idOf(fi), Off: 3, Cursor: "v1:3:2", tail: "r1\n"} // a removed file's place, its inode reused
	tl.moved = []moved{{old, 0}}
	if p, claimed := tl.claim(context.Background(), "new.log", idOf(fi), f); claimed || p.Off != 0 {
		t.Errorf("claim = %+v, %v; want the start, not the place of the file whose inode it reuses", *p, claimed)
	}
	old.tail = "fre"
	tl.moved = []moved{{old, 0}}
	if p, claimed := tl.claim(context.Background(), "new.log", idOf(fi), f); !claimed || p.Off != 3 {
		t.Errorf("claim = %+v, %v; want the moved place, whose tail the file has", *p, claimed)
	}
}

func TestTailOf(t *testing.T) {
	for _, tc := range []struct{ prev, line string }{
		{"", "a"},
		{"a\n", "bc"},
		{"0123456789abcde\n", "xy"},
		{"ab\n", "0123456789abcdefgh"},
		{"zz\n", "0123456789abcd"},
		{"zz\n", "0123456789abcde"},
	} {
		got := tailOf(tc.prev, []byte(tc.line))
		want := tc.prev + tc.line + "\n"
		want = want[max(0, len(want)-tailSize):]
		if got != want {
			t.Errorf("tailOf(%q, %q) = %q, want %q", tc.prev, tc.line, got, want)
		}
	}
}

// TestRescan gives the tailer a Rescan event, as the watch reports after
// the kernel's queue overflowed, for changes it reported no event for: a
// file written, a file created, a file truncated, a file removed. Each is
// looked at again.
func TestRescan(t *testing.T) {
	dir := t.TempDir()
	appendTo(t, dir, "a.log", "a1\n")
	appendTo(t, dir, "sub/b.log", "b1\nb2\n")
	appendTo(t, dir, "gone.log", "g1\n")
	tl := newTestTailer(dir)
	got := tl.step(t, ev(dir, watch.Create, "a.log"), ev(dir, watch.Create, "sub/b.log"), ev(dir, watch.Create, "gone.log"))
	appendTo(t, dir, "a.log", "a2\n")
	appendTo(t, dir, "sub/c.log", "c1\n")
	if err := os.WriteFile(filepath.Join(dir, "sub/b.log"), []byte("B\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "gone.log")); err != nil {
		t.Fatal(err)
	}
	got = append(got, tl.step(t, watch.Event{Op: watch.Rescan, Path: dir})...)
	want := []string{
		"a.log: a1", "sub/b.log: b1", "sub/b.log: b2", "gone.log: g1",
		// The rescan, in walk order, then the known files not found.
		"a.log: a2", "sub/b.log at 0", "sub/b.log: B", "sub/c.log: c1", "gone.log gone",
	}
	if !slices.Equal(got, want) {
		t.Errorf("items:\n got %q\nwant %q", got, want)
	}
}

// testTailer is a tailer of dir that a test gives events by hand.
type testTailer struct{ *tailer }

func newTestTailer(dir string) testTailer {
	return testTailer{&tailer{root: dir, log: slog.New(slog.DiscardHandler), files: map[string]*place{}}}
}

// ev is an event of the file name under dir.
func ev(dir string, op watch.Op, name string) watch.Event {
	return watch.Event{Op: op, Path: filepath.Join(dir, filepath.FromSlash(name))}
}

// step hands events to the tailer, and returns its items: "file: line",
// "file gone", or "file at offset" for a change of place alone.
func (tl testTailer) step(t *testing.T, events ...watch.Event) []string {
	t.Helper()
	var got []string
	seq := func(yield func(watch.Event, error) bool) {
		for _, e := range events {
			if !yield(e, nil) {
				return
			}
		}
	}
	for it, err := range tl.lines(context.Background(), seq) {
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case it.line:
			got = append(got, it.file+": "+it.text)
		case it.gone:
			got = append(got, it.file+" gone")
		default:
			got = append(got, fmt.Sprintf("%s at %d", it.file, it.place.Off))
		}
	}
	return got
}
