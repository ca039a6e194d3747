package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testPairs = "# a comment\n" +
	"walk-text\tle\t1.2\tsluice walk \"$TREE\" --format text\tfind \"$TREE\"\n" +
	"\n" +
	"walk-json\tle\t1.2\tsluice walk \"$TREE\"\tfind \"$TREE\" -printf \"%p\\t%s\\n\"\n" +
	"lines-json\tge\t4\tsluice lines \"$F\"\tjq -R -c \"{text: .}\" \"$F\"\n"

func TestParsePairs(t *testing.T) {
	ps, err := parsePairs("pairs.tsv", testPairs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.name)
	}
	if want := []string{"walk-text", "walk-json", "lines-json"}; !slices.Equal(got, want) {
		t.Fatalf("names %q, want %q", got, want)
	}
	p := ps[1]
	if p.num != 2 || p.op != "le" || p.target != 1.2 || p.cmd[1] != `find "$TREE" -printf "%p\t%s\n"` {
		t.Errorf("pair 2 = %+v", p)
	}
	for _, bad := range []string{
		"",
		"a\tle\t1\tx\n",
		"a\tlt\t1\tx\ty\n",
		"a\tle\tone\tx\ty\n",
		"a\tle\t1\tx\ty\na\tle\t1\tx\ty\n",
		"a,b\tle\t1\tx\ty\n",
		"a\tle\t1\t\ty\n",
	} {
		if _, err := parsePairs("bad.tsv", bad); err == nil {
			t.Errorf("parsePairs(%q): no error", bad)
		}
	}
}

func TestSelectPairs(t *testing.T) {
	ps, err := parsePairs("pairs.tsv", testPairs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sel  string
		want string // the numbers selected, or "error"
	}{
		{"", "1 2 3"},
		{"2", "2"},
		{"3,1", "1 3"},
		{"walk-json", "2"},
		{"walk", "1 2"},
		{"^lines|text$", "1 3"},
		{"json, 1", "1 2 3"},
		{"4", "error"},
		{"s3", "error"},
		{"(", "error"},
	} {
		sel, err := selectPairs(ps, tc.sel)
		got := "error"
		if err == nil {
			var nums []string
			for _, p := range sel {
				nums = append(nums, string(rune('0'+p.num)))
			}
			got = strings.Join(nums, " ")
		}
		if got != tc.want {
			t.Errorf("selectPairs(%q) = %s (%v), want %s", tc.sel, got, err, tc.want)
		}
	}
}

func TestMedian(t *testing.T) {
	runs := func(ds ...time.Duration) []run {
		var rs []run
		for i, d := range ds {
			rs = append(rs, run{wall: d, maxrssKiB: int64(100 * (i % 2))})
		}
		return rs
	}
	if s := median(nil); s.ok {
		t.Errorf("median(nil) = %+v", s)
	}
	if s := median(runs(3, 1, 2)); s.wall != 2 || s.maxrss != 100 || !s.ok {
		t.Errorf("median(3, 1, 2) = %+v", s)
	}
	if s := median(runs(4, 1, 2, 10)); s.wall != 3 {
		t.Errorf("median(4, 1, 2, 10) = %+v", s)
	}
}

func TestRun(t *testing.T) {
	r, err := newRunner("sh", 10*time.Second)
	if err != nil {
		t.Skip(err)
	}
	defer r.close()
	res, stderr, err := r.run("true", false)
	if err != nil || res.status != 0 || res.maxrssKiB <= 0 || stderr != "" || res.lines != -1 {
		t.Errorf("true: %+v, %q, %v", res, stderr, err)
	}
	res, _, err = r.run("seq 12345", true)
	if err != nil || res.lines != 12345 {
		t.Errorf("seq 12345: %+v, %v", res, err)
	}
	res, stderr, err = r.run(`sh -c "echo oops >&2; exit 3"`, false)
	if err == nil || res.status != 3 || stderr != "oops" {
		t.Errorf("exit 3: %+v, %q, %v", res, stderr, err)
	}
	res, _, err = r.run(`sh -c "kill -TERM \$\$"`, false)
	if err == nil || res.status != 128+15 {
		t.Errorf("killed: %+v, %v", res, err)
	}
	// The next run's standard error does not include the last one's.
	if _, stderr, _ = r.run(`sh -c "exit 1"`, false); stderr != "" {
		t.Errorf("stderr of a silent run = %q", stderr)
	}
}
