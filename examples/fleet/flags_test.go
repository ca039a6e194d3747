package fleet

import (
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

// TestFlags checks that each command refuses a bad command line with an
// error naming the problem, before it connects to anything: the DSN names
// a server that does not exist, which a connection would report instead.
func TestFlags(t *testing.T) {
	const dsn = "postgres://nobody@192.0.2.1:1/none?connect_timeout=1"
	for _, tc := range []struct {
		cmd  string
		args []string
		want string
	}{
		{"plan", []string{"s3://b/p"}, "no run"},
		{"plan", []string{"-run", "r"}, "no bucket"},
		{"plan", []string{"-run", "Logs", "s3://b/"}, `-run "Logs"`},
		{"plan", []string{"-run", "a__b", "s3://b/"}, `-run "a__b"`},
		{"plan", []string{"-run", strings.Repeat("r", 65), "s3://b/"}, "at most 64"},
		{"plan", []string{"-run", "r", "-bucket", "b", "s3://b/p"}, "not both"},
		{"plan", []string{"-run", "r", "b/p"}, "not of the form s3://bucket/prefix"},
		{"plan", []string{"-run", "r", "s3://a/", "s3://b/"}, "one s3://bucket/prefix argument at most"},
		{"plan", []string{"-run", "r", "-table", "", "s3://b/"}, "no table"},
		{"plan", []string{"-run", "r", "-page", "0", "s3://b/"}, "-page 0"},
		{"plan", []string{"-run", "r", "-page", "1001", "s3://b/"}, "-page 1001"},
		{"plan", []string{"-run", "r", "-s3-delay", "-1s", "s3://b/"}, "-s3-delay"},
		{"plan", []string{"-run", "r", "-shards", "0", "s3://b/"}, "-shards 0"},
		{"plan", []string{"-run", "r", "-wait", "s3://b/"}, "-wait goes with -status"},
		{"worker", []string{"-run", "r", "-concurrency", "0", "s3://b/"}, "-concurrency 0"},
		{"worker", []string{"-run", "r", "-batch", "0", "s3://b/"}, "-batch 0"},
		{"worker", []string{"-run", "r", "-job-timeout", "-1s", "s3://b/"}, "-job-timeout"},
		{"worker", []string{"-run", "r", "-job-timeout", "3m", "s3://b/"}, "-rescue-after 2m0s: want at least -job-timeout (3m0s)"},
		{"worker", []string{"-run", "r", "-split-after", "0", "s3://b/"}, "-split-after 0"},
		{"worker", []string{"-bucket", "b"}, "no run"},
	} {
		args := append([]string{"-dsn", dsn}, tc.args...)
		var out strings.Builder
		var err error
		if tc.cmd == "plan" {
			err = PlanCommand(context.Background(), args, &out)
		} else {
			err = WorkerCommand(context.Background(), args, &out, &out)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %q = %v, want an error containing %q", tc.cmd, tc.args, err, tc.want)
		}
	}
	// -h prints the flags, and is no failure of the command's.
	for name, cmd := range map[string]func(context.Context, []string, *strings.Builder) error{
		"plan": func(ctx context.Context, args []string, out *strings.Builder) error {
			return PlanCommand(ctx, args, out)
		},
		"worker": func(ctx context.Context, args []string, out *strings.Builder) error {
			return WorkerCommand(ctx, args, out, out)
		},
	} {
		var out strings.Builder
		err := cmd(context.Background(), []string{"-h"}, &out)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "usage: "+name+" -run NAME") || !strings.Contains(out.String(), "-run name") {
			t.Errorf("%s -h = %v, printing %q; want flag.ErrHelp, the usage and the flags", name, err, out.String())
		}
	}
}
