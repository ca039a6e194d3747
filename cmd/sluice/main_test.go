package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/internal/testenv"
)

// bin is the sluice binary the tests run, built once by TestMain.
var bin string

func TestMain(m *testing.M) { goleak.VerifyTestMain(withBinary{testenv.M(m)}) }

// withBinary builds the binary before the tests and removes it after.
type withBinary struct{ m interface{ Run() int } }

func (w withBinary) Run() int {
	dir, err := os.MkdirTemp("", "sluice-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "sluice")
	args := []string{"build", "-o", bin}
	// The go command that runs the tests, not whichever is first in PATH.
	//lint:ignore SA1019 the test runs where it was built.
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	build := exec.Command(goCmd, append(args, ".")...)
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building sluice: %v\n%s", err, out)
		return 1
	}
	return w.m.Run()
}

// result is what a run of the binary gave.
type result struct {
	stdout string
	stderr string
	code   int
}

// runBin runs the binary with args, stdin and extra environment
// variables, and returns what it printed and its exit code.
func runBin(t *testing.T, stdin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("sluice %q: %v", args, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// ok runs the binary and fails t unless it exits 0 with nothing on stderr.
func ok(t *testing.T, stdin string, env []string, args ...string) string {
	t.Helper()
	r := runBin(t, stdin, env, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("sluice %q: exit code %d, stderr:\n%s", args, r.code, r.stderr)
	}
	return r.stdout
}

// lines splits output into its lines.
func lines(out string) []string {
	if out == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
}

// objects parses NDJSON output.
func objects(t *testing.T, out string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	for i, l := range lines(out) {
		var o map[string]any
		d := json.NewDecoder(strings.NewReader(l))
		d.UseNumber()
		if err := d.Decode(&o); err != nil {
			t.Fatalf("line %d %q: %v", i+1, l, err)
		}
		objs = append(objs, o)
	}
	return objs
}

// column returns the field name of each object, as strings.
func column(objs []map[string]any, name string) []string {
	var col []string
	for _, o := range objs {
		col = append(col, fmt.Sprint(o[name]))
	}
	return col
}

var resumeRE = regexp.MustCompile(`^sluice: interrupted; resume with --after '((?:[^']|'\\'')*)'\n$`)

// interruptAndResume runs sluice with args and stops reading its output
// after a few lines, so that it blocks writing to stdout, sends it
// SIGINT, reads the rest, and checks that it exits 130 with the cursor of
// its last line on stderr. It then resumes after that cursor and checks
// that the two runs' output is exactly full, the output of a full run.
func interruptAndResume(t *testing.T, env []string, full string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	br := bufio.NewReader(stdout)
	for range 10 {
		l, err := br.ReadString('\n')
		first.WriteString(l)
		if err != nil {
			t.Fatalf("reading the first lines: %v", err)
		}
	}
	// Not reading: sluice fills the pipe and blocks in a write.
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(&first, br); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("interrupted run: %v, want exit code 130; stderr:\n%s", err, stderr.String())
	}
	m := resumeRE.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("interrupted run's stderr = %q, want one line with the cursor", stderr.String())
	}
	cursor := strings.ReplaceAll(m[1], `'\''`, `'`)
	out1 := first.String()
	if len(out1) >= len(full) || !strings.HasPrefix(full, out1) {
		t.Fatalf("interrupted run printed %d of %d bytes, not a prefix of the full run", len(out1), len(full))
	}
	if objs := objects(t, out1); objs[len(objs)-1]["cursor"] != cursor {
		t.Fatalf("stderr's cursor %q is not the last line's, %v", cursor, objs[len(objs)-1]["cursor"])
	}
	out2 := ok(t, "", env, append(args, "--after", cursor)...)
	if out1+out2 != full {
		t.Fatalf("interrupted run (%d lines) + resumed run (%d lines) != full run (%d lines)",
			len(lines(out1)), len(lines(out2)), len(lines(full)))
	}
	t.Logf("interrupted after %d of %d lines", len(lines(out1)), len(lines(full)))
}

// oneLineError checks that a run failed with exit code code and one line
// on stderr containing want.
func oneLineError(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d; stderr: %q", r.code, code, r.stderr)
	}
	if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") || !strings.HasPrefix(r.stderr, "sluice: ") {
		t.Errorf("stderr = %q, want one line beginning with \"sluice: \"", r.stderr)
	}
	if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stderr = %q, a stack trace", r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr = %q, want it to contain %q", r.stderr, want)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
}
