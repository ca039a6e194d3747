// Command pairs times pairs of commands, each a command under test (A, the
// sluice command) beside the standard tool it replaces (B), as whole
// processes, and reports the median wall time of each, their ratio against
// a target, and the peak RSS of each. ../run.sh builds and runs it; see
// there for the pairs themselves.
//
// Usage:
//
//	pairs [flags] PAIRS.tsv
//
// PAIRS.tsv has one pair a line, five tab-separated fields:
//
//	name	op	target	command A	command B
//
// where op is "le" (met when median(A)/median(B) <= target) or "ge" (met
// when the ratio >= target). Blank lines and lines starting with # are
// ignored. The pairs are numbered from 1 in the order of the file, and
// -cases selects some of them: a comma-separated list of items, each a
// number, a name, or else a regular expression matched against the names
// (so "walk" selects every pair whose name contains walk; a regular
// expression cannot contain a comma).
//
// Each command runs as
//
//	sh -c 'exec COMMAND' </dev/null >/dev/null 2>(a temporary file)
//
// so COMMAND must be a simple command (no pipeline, list or redirection):
// with exec, the process that pairs waits for, and whose rusage it reads,
// is the command itself, not a shell waiting for it. Its environment is
// pairs' own, so COMMAND may refer to exported variables ("$TREE"). The
// shell's startup still costs both sides of a pair the same: about a
// millisecond (sh is dash on Debian), against runs of tenths of seconds
// and more. The report gives the whole cost of starting a process this
// way, the median of five runs of the command true: fork, the shell, the
// exec and the wait (a few milliseconds on a small virtual machine).
//
// The wall time is time.Now around exec.Cmd.Run (fork, exec, the run, and
// wait); the peak RSS is the Maxrss of the process's rusage, in KiB on
// Linux (for a process that execs, the largest of its images: the report
// gives that of sh -c 'exec true', about 3 MiB, as a floor).
//
// Every command first runs -warmup times (A then B), untimed in the
// report, to fill the page cache and the like, the first time with its
// output counted (in lines, through a pipe), to check that both sides of a
// pair do the same work. Then for each of -rounds rounds, each selected
// pair runs A and B in turn, A first in odd rounds and B first in even
// ones, so that drift of a shared machine spreads over both sides of every
// pair. A command that exits with a nonzero status (or
// is killed, or outlives -timeout) fails its pair: its standard error is
// shown, the pair runs no more, and pairs exits with status 1 once the
// other pairs are done.
//
// The report on stdout is a table, one row per pair, and the commands. With
// -raw, every run is also written to FILE as tab-separated values:
//
//	pair	round	which	seconds	maxrss_kib	exit_status	user_seconds	sys_seconds
//
// where round 0 is a warm-up run, which is "sluice" (A) or "tool" (B), and
// exit_status is 128+N for a process killed by signal N, as in the shell.
//
// It imports only the standard library.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// A pair is one line of the pairs file.
type pair struct {
	num    int
	name   string
	op     string // "le" or "ge"
	target float64
	cmd    [2]string // A (sluice), B (tool)

	skip   string // the reason it is skipped, if it is
	failed string // what went wrong, if something did
	runs   [2][]run
	lines  [2]int64 // lines of output of the first warm-up run, or -1
}

// sides names A and B in the report and the raw file.
var sides = [2]string{"sluice", "tool"}

// A run is one timed run of a command.
type run struct {
	wall      time.Duration
	maxrssKiB int64
	user, sys time.Duration
	status    int
	lines     int64 // lines of output, if counted, else -1
}

func main() {
	rounds := flag.Int("rounds", 5, "timed runs of each command")
	warmup := flag.Int("warmup", 1, "untimed runs of each command before the first round")
	rawFile := flag.String("raw", "", "write every run to `file` (TSV)")
	cases := flag.String("cases", "", "run only the pairs `sel`ected: comma-separated numbers, names or regular expressions")
	list := flag.Bool("list", false, "print the number and name of each selected pair, and exit")
	rssLimit := flag.Float64("rss-limit", 64, "peak RSS of command A not to exceed, in `MiB` (0: none)")
	timeout := flag.Duration("timeout", 15*time.Minute, "kill a run that takes longer than `d`")
	shell := flag.String("shell", "sh", "the `shell` that runs each command (as SHELL -c 'exec COMMAND')")
	skips := map[string]string{}
	flag.Func("skip", "skip the pair `name[=reason]` (reported as skipped; repeatable)", func(s string) error {
		name, reason, _ := strings.Cut(s, "=")
		if reason == "" {
			reason = "skipped"
		}
		skips[name] = reason
		return nil
	})
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: pairs [flags] PAIRS.tsv\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || *rounds < 1 || *warmup < 0 {
		flag.Usage()
		os.Exit(2)
	}
	all, err := readPairs(flag.Arg(0))
	if err != nil {
		fatal(err)
	}
	sel, err := selectPairs(all, *cases)
	if err != nil {
		fatal(err)
	}
	for name := range skips {
		if !slices.ContainsFunc(all, func(p *pair) bool { return p.name == name }) {
			fatal(fmt.Errorf("-skip %s: no such pair", name))
		}
	}
	if *list {
		for _, p := range sel {
			fmt.Printf("%d\t%s\n", p.num, p.name)
		}
		return
	}
	for _, p := range sel {
		p.skip = skips[p.name]
	}

	var raw *bufio.Writer
	if *rawFile != "" {
		f, err := os.Create(*rawFile)
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		raw = bufio.NewWriter(f)
		fmt.Fprintln(raw, "pair\tround\twhich\tseconds\tmaxrss_kib\texit_status\tuser_seconds\tsys_seconds")
	}
	r, err := newRunner(*shell, *timeout)
	if err != nil {
		fatal(err)
	}
	defer r.close()

	do := func(p *pair, round, side int) {
		if p.skip != "" || p.failed != "" {
			return
		}
		res, errText, err := r.run(p.cmd[side], round == 0 && p.lines[side] < 0)
		if raw != nil {
			fmt.Fprintf(raw, "%s\t%d\t%s\t%.6f\t%d\t%d\t%.6f\t%.6f\n", p.name, round, sides[side],
				res.wall.Seconds(), res.maxrssKiB, res.status, res.user.Seconds(), res.sys.Seconds())
			if err := raw.Flush(); err != nil {
				fatal(err)
			}
		}
		what := "warm-up"
		if round > 0 {
			what = fmt.Sprintf("round %d/%d", round, *rounds)
		}
		if err != nil {
			p.failed = fmt.Sprintf("%s (%s): %v", sides[side], what, err)
			fmt.Fprintf(os.Stderr, "pairs: FAILED: pair %d %s: %s\n  command: %s\n", p.num, p.name, p.failed, p.cmd[side])
			if errText != "" {
				fmt.Fprintf(os.Stderr, "  its standard error:\n%s\n", indent(errText, "    "))
			}
			return
		}
		fmt.Fprintf(os.Stderr, "pairs: %-11s %-14s %-6s %8.3fs %7.1f MiB\n", what, p.name, sides[side], res.wall.Seconds(), mib(res.maxrssKiB))
		if round > 0 {
			p.runs[side] = append(p.runs[side], res)
		} else if res.lines >= 0 && p.lines[side] < 0 {
			p.lines[side] = res.lines
		}
	}
	// The cost of starting a process through the shell, which both sides
	// of a pair pay.
	var overhead []run
	for range 5 {
		res, _, err := r.run("true", false)
		if err != nil {
			fatal(fmt.Errorf("%s -c 'exec true': %v", *shell, err))
		}
		overhead = append(overhead, res)
	}
	for _, p := range sel {
		for range *warmup {
			do(p, 0, 0)
			do(p, 0, 1)
		}
	}
	for round := 1; round <= *rounds; round++ {
		first := (round - 1) % 2 // A first in odd rounds
		for _, p := range sel {
			do(p, round, first)
			do(p, round, 1-first)
		}
	}

	if err := report(os.Stdout, sel, *rssLimit, *shell, median(overhead)); err != nil {
		fatal(err)
	}
	for _, p := range sel {
		if p.failed != "" {
			fmt.Fprintf(os.Stderr, "pairs: pair %d %s failed: %s\n", p.num, p.name, p.failed)
		}
	}
	if slices.ContainsFunc(sel, func(p *pair) bool { return p.failed != "" }) {
		os.Exit(1)
	}
}

// readPairs reads the pairs file.
func readPairs(file string) ([]*pair, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parsePairs(file, string(data))
}

func parsePairs(file, data string) ([]*pair, error) {
	var ps []*pair
	seen := map[string]bool{}
	for i, line := range strings.Split(data, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", file, i+1, fmt.Sprintf(format, args...))
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return nil, bad("want 5 tab-separated fields (name, op, target, command A, command B), have %d", len(f))
		}
		p := &pair{num: len(ps) + 1, name: f[0], op: f[1], cmd: [2]string{f[3], f[4]}, lines: [2]int64{-1, -1}}
		var err error
		if p.name == "" || strings.ContainsAny(p.name, ", ") || seen[p.name] {
			return nil, bad("name %q: want a unique name without spaces or commas", p.name)
		}
		seen[p.name] = true
		if p.op != "le" && p.op != "ge" {
			return nil, bad("op %q: want le or ge", p.op)
		}
		if p.target, err = strconv.ParseFloat(f[2], 64); err != nil || p.target <= 0 {
			return nil, bad("target %q: want a positive number", f[2])
		}
		if p.cmd[0] == "" || p.cmd[1] == "" {
			return nil, bad("empty command")
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("%s: no pairs", file)
	}
	return ps, nil
}

// selectPairs returns the pairs of all that sel selects, in their order.
func selectPairs(all []*pair, sel string) ([]*pair, error) {
	if strings.TrimSpace(sel) == "" {
		return all, nil
	}
	chosen := make([]bool, len(all))
	for item := range strings.SplitSeq(sel, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		n := 0
		if num, err := strconv.Atoi(item); err == nil {
			if num < 1 || num > len(all) {
				return nil, fmt.Errorf("cases: no pair number %d (there are %d)", num, len(all))
			}
			chosen[num-1] = true
			continue
		}
		for i, p := range all {
			if p.name == item {
				chosen[i] = true
				n++
			}
		}
		if n > 0 {
			continue
		}
		re, err := regexp.Compile(item)
		if err != nil {
			return nil, fmt.Errorf("cases: %q is no pair's number or name, nor a regular expression: %v", item, err)
		}
		for i, p := range all {
			if re.MatchString(p.name) {
				chosen[i] = true
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("cases: %q selects no pair", item)
		}
	}
	var ps []*pair
	for i, p := range all {
		if chosen[i] {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// A runner runs commands.
type runner struct {
	shell   string
	timeout time.Duration
	null    *os.File // /dev/null, the standard input and output
	stderr  *os.File // a temporary file, emptied before each run
}

func newRunner(shell string, timeout time.Duration) (*runner, error) {
	if _, err := exec.LookPath(shell); err != nil {
		return nil, err
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	stderr, err := os.CreateTemp("", "pairs-stderr-*")
	if err != nil {
		null.Close()
		return nil, err
	}
	return &runner{shell: shell, timeout: timeout, null: null, stderr: stderr}, nil
}

func (r *runner) close() {
	r.null.Close()
	r.stderr.Close()
	os.Remove(r.stderr.Name())
}

// maxStderr is how much of a failed command's standard error is shown.
const maxStderr = 8 << 10

// run runs command once and returns its measures, and if it failed, an
// error and the end of its standard error. With count, it also counts the
// lines the command writes, through a pipe rather than to /dev/null.
func (r *runner) run(command string, count bool) (run, string, error) {
	if err := r.stderr.Truncate(0); err != nil {
		return run{}, "", err
	}
	if _, err := r.stderr.Seek(0, io.SeekStart); err != nil {
		return run{}, "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.shell, "-c", "exec "+command)
	// Files, not writers: the child writes to them itself, with no pipe
	// and copying goroutine in pairs.
	cmd.Stdin, cmd.Stdout, cmd.Stderr = r.null, r.null, r.stderr
	var lc lineCounter
	if count {
		cmd.Stdout = &lc
	}
	cmd.WaitDelay = 5 * time.Second

	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)

	res := run{wall: wall, status: -1, lines: -1}
	if count {
		res.lines = lc.n
	}
	if st := cmd.ProcessState; st != nil {
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			res.maxrssKiB = ru.Maxrss // KiB on Linux
		}
		res.user, res.sys = st.UserTime(), st.SystemTime()
		res.status = st.ExitCode()
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.status = 128 + int(ws.Signal())
		}
	}
	if err == nil {
		return res, "", nil
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("killed after the timeout of %v (%w)", r.timeout, err)
	}
	return res, r.stderrTail(), err
}

// A lineCounter counts the lines written to it.
type lineCounter struct{ n int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// stderrTail returns the last maxStderr bytes of the last run's standard
// error.
func (r *runner) stderrTail() string {
	fi, err := r.stderr.Stat()
	if err != nil {
		return ""
	}
	off := max(fi.Size()-maxStderr, 0)
	b := make([]byte, fi.Size()-off)
	n, _ := r.stderr.ReadAt(b, off)
	s := strings.TrimRight(string(b[:n]), "\n")
	if off > 0 {
		s = "…" + s
	}
	return s
}

// report writes the table of results and the commands to w.
func report(w io.Writer, ps []*pair, rssLimitMiB float64, shell string, overhead summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rssHead := "sluice RSS"
	if rssLimitMiB > 0 {
		rssHead = fmt.Sprintf("sluice RSS (≤ %g MiB)", rssLimitMiB)
	}
	fmt.Fprintf(tw, "#\tpair\tsluice s\ttool s\tratio\ttarget\ttime\t%s\ttool RSS\tlines out\n", rssHead)
	for _, p := range ps {
		target := fmt.Sprintf("%s %g", map[string]string{"le": "≤", "ge": "≥"}[p.op], p.target)
		if p.skip != "" {
			fmt.Fprintf(tw, "%d\t%s\t-\t-\t-\t%s\tskipped: %s\t-\t-\t-\n", p.num, p.name, target, p.skip)
			continue
		}
		a, b := median(p.runs[0]), median(p.runs[1])
		cell := func(d time.Duration, ok bool) string {
			if !ok {
				return "-"
			}
			return fmt.Sprintf("%.3f", d.Seconds())
		}
		ratio, verdict := "-", "FAILED"
		if a.ok && b.ok {
			q := a.wall.Seconds() / b.wall.Seconds()
			ratio = fmt.Sprintf("%.2f", q)
			if p.failed == "" {
				verdict = "met"
				if p.op == "le" && q > p.target || p.op == "ge" && q < p.target {
					verdict = "MISSED"
				}
			}
		}
		rss := "-"
		if a.ok {
			rss = fmt.Sprintf("%.1f MiB", mib(a.maxrss))
			if rssLimitMiB > 0 {
				if mib(a.maxrss) <= rssLimitMiB {
					rss += " met"
				} else {
					rss += " MISSED"
				}
			}
		}
		toolRSS := "-"
		if b.ok {
			toolRSS = fmt.Sprintf("%.1f MiB", mib(b.maxrss))
		}
		lines := "-"
		if p.lines[0] >= 0 && p.lines[1] >= 0 {
			lines = fmt.Sprintf("%d / %d", p.lines[0], p.lines[1])
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.num, p.name,
			cell(a.wall, a.ok), cell(b.wall, b.ok), ratio, target, verdict, rss, toolRSS, lines)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nsluice s, tool s: median wall time of the rounds; ratio = sluice s / tool s;\n"+
		"RSS: the largest peak RSS (rusage maxrss) of the rounds; lines out: lines\n"+
		"written by the first warm-up run of each (sluice / tool). Starting a process\n"+
		"(%s -c 'exec true') takes %.1f ms and %.1f MiB, included on both sides.\n",
		shell, overhead.wall.Seconds()*1000, mib(overhead.maxrss))
	fmt.Fprintf(w, "\nCommands, each run as %s -c 'exec COMMAND' </dev/null >/dev/null:\n", shell)
	for _, p := range ps {
		fmt.Fprintf(w, "\n%d %s\n  sluice: %s\n  tool:   %s\n", p.num, p.name, p.cmd[0], p.cmd[1])
	}
	return nil
}

// A summary is the median wall time and the largest peak RSS of some runs.
type summary struct {
	wall   time.Duration
	maxrss int64
	ok     bool // there were runs
}

func median(runs []run) summary {
	if len(runs) == 0 {
		return summary{}
	}
	walls := make([]time.Duration, len(runs))
	var s summary
	for i, r := range runs {
		walls[i] = r.wall
		s.maxrss = max(s.maxrss, r.maxrssKiB)
	}
	slices.Sort(walls)
	n := len(walls)
	if n%2 == 1 {
		s.wall = walls[n/2]
	} else {
		s.wall = (walls[n/2-1] + walls[n/2]) / 2
	}
	s.ok = true
	return s
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "pairs: %v\n", err)
	os.Exit(1)
}
