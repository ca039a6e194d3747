package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	input := "first\r\nsecond\n\nlast without newline"
	file := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(file, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	want := []string{"first", "second", "", "last without newline"}
	for _, args := range [][]string{{"lines", file}, {"lines", "-"}} {
		objs := objects(t, ok(t, input, nil, args...))
		if got := column(objs, "text"); !slices.Equal(got, want) {
			t.Errorf("%q: texts %q, want %q", args, got, want)
		}
		if got := column(objs, "line"); !slices.Equal(got, []string{"1", "2", "3", "4"}) {
			t.Errorf("%q: line numbers %q", args, got)
		}
		if got := column(objs, "offset"); !slices.Equal(got, []string{"0", "7", "14", "15"}) {
			t.Errorf("%q: offsets %q", args, got)
		}
		// Resuming after each line gives the lines after it.
		for i, o := range objs {
			rest := ok(t, input, nil, append(args, "--format", "text", "--after", o["cursor"].(string))...)
			if want := strings.Join(want[i+1:], "\n"); strings.TrimSuffix(rest, "\n") != want {
				t.Errorf("%q after line %d: %q, want %q", args, i+1, rest, want)
			}
		}
	}
	if got := ok(t, input, nil, "lines", "-", "--format", "text"); got != strings.Join(want, "\n")+"\n" {
		t.Errorf("--format text: %q", got)
	}
}

func TestLinesInterrupt(t *testing.T) {
	var b strings.Builder
	for i := range 40000 {
		fmt.Fprintf(&b, "line %d of the input\n", i)
	}
	file := filepath.Join(t.TempDir(), "big.txt")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	full := ok(t, "", nil, "lines", file)
	if n := len(lines(full)); n != 40000 {
		t.Fatalf("full run: %d lines", n)
	}
	interruptAndResume(t, nil, full, "lines", file)
}

// The progress line of a file shows the fraction of its bytes done, the
// rate and the time left, as pv does; of the standard input, whose size
// is unknown, the count and the rate.
func TestLinesProgress(t *testing.T) {
	file := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(file, []byte(strings.Repeat("a line of the file\n", 5000)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runBin(t, "", nil, "lines", "--progress", "--format", "text", file)
	if r.code != 0 || !strings.Contains(r.stderr, "lines 100%") || !strings.Contains(r.stderr, "/95 kB, ") || !strings.Contains(r.stderr, "B/s") {
		t.Errorf("--progress of a file: exit code %d, stderr %q; want 100%%, the bytes done of 95 kB and a rate", r.code, r.stderr)
	}
	r = runBin(t, "x\ny\n", nil, "lines", "--progress", "-")
	if r.code != 0 || !strings.Contains(r.stderr, "lines (2/-") || !strings.Contains(r.stderr, "items/s") {
		t.Errorf("--progress of stdin: exit code %d, stderr %q; want the count and a rate", r.code, r.stderr)
	}
}
