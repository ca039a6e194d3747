package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	closed := closedPort(t)
	awsEnv := []string{"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y", "AWS_REGION=us-east-1", "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent"}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"no command", nil, nil, 2, ""},
		{"unknown command", nil, []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"bad flag", nil, []string{"walk", "--frob", dir}, 2, "-frob"},
		{"bad flag value", nil, []string{"walk", "--limit", "many", dir}, 2, "many"},
		{"bad format", nil, []string{"walk", "--format", "xml", dir}, 2, "xml"},
		{"no dir", nil, []string{"walk"}, 2, "want one directory"},
		{"missing dir", nil, []string{"walk", missing}, 1, "no such file or directory"},
		{"missing file", nil, []string{"lines", missing}, 1, "no such file or directory"},
		{"missing watch dir", nil, []string{"watch", missing}, 1, "no such file or directory"},
		{"walk bad cursor", nil, []string{"walk", dir, "--after", "nonsense"}, 1, "bad cursor"},
		{"walk cursor elsewhere", nil, []string{"walk", dir, "--after", "v1:/elsewhere"}, 1, "bad cursor"},
		{"lines bad cursor", nil, []string{"lines", "-", "--after", "x:y"}, 1, "bad cursor"},
		{"watch after", nil, []string{"watch", dir, "--after", "x"}, 2, "no cursor"},
		{"sql query after", nil, []string{"sql", "SELECT 1", "--after", "x"}, 2, "sql keyset"},
		{"sql query checkpoint", nil, []string{"sql", "SELECT 1", "--checkpoint", filepath.Join(dir, "ck")}, 2, "sql keyset"},
		{"sql bad dsn", nil, []string{"sql", "--dsn", "port=abc", "SELECT 1"}, 1, "connection string"},
		{"sql bad dsn syntax", nil, []string{"sql", "--dsn", "postgres://[::1", "SELECT 1"}, 1, "connection string"},
		{"sql unreachable", nil, []string{"sql", "--dsn", "postgres://nobody@" + closed + "/db", "SELECT 1"}, 1, "connection refused"},
		{"sql keyset no key", nil, []string{"sql", "keyset", "items"}, 2, "sql keyset TABLE KEY"},
		{"s3 no ls", nil, []string{"s3", "cp"}, 2, "s3 ls"},
		{"s3 bad url", nil, []string{"s3", "ls", "https://bucket/x"}, 2, "not an s3://"},
		{"s3 bad endpoint", nil, []string{"s3", "ls", "s3://b/", "--endpoint", "localhost:9000"}, 2, "--endpoint"},
		{"s3 unreachable", awsEnv, []string{"s3", "ls", "s3://bucket/", "--endpoint", "http://" + closed, "--path-style"}, 1, "connection refused"},
		{"s3 demo bad cursor", nil, []string{"s3", "ls", "--demo", "s3://demo/logs/", "--after", "v1:images/x"}, 1, "bad cursor"},
		{"s3 demo bare key", nil, []string{"s3", "ls", "--demo", "s3://demo/logs/", "--after", "logs/x"}, 1, "bad cursor"},
		{"help unknown", nil, []string{"help", "frobnicate"}, 2, "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runBin(t, "", tc.env, tc.args...)
			if tc.args == nil {
				// The usage, on stderr.
				if r.code != 2 || !strings.Contains(r.stderr, "Commands:") {
					t.Errorf("sluice: exit code %d, stderr %q", r.code, r.stderr)
				}
				return
			}
			oneLineError(t, r, tc.code, tc.want)
		})
	}
}

func TestSQLBadCursor(t *testing.T) {
	dsn := sqlDatabase(t, 1)
	oneLineError(t, runBin(t, "", nil, "sql", "keyset", "items", "id", "--dsn", dsn, "--after", "garbage"), 1, "cursor")
	oneLineError(t, runBin(t, "", nil, "sql", "keyset", "nosuchtable", "id", "--dsn", dsn), 1, "nosuchtable")
}

func TestS3BadCursor(t *testing.T) {
	bucket, flags, env := s3Bucket(t, []string{"p/a", "q/b"})
	oneLineError(t, runBin(t, "", env, append([]string{"s3", "ls", "s3://" + bucket + "/p/", "--after", "v1:q/b"}, flags...)...), 1, "bad cursor")
	oneLineError(t, runBin(t, "", env, append([]string{"s3", "ls", "s3://" + bucket + "-nonexistent/"}, flags...)...), 1, "NoSuchBucket")
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"--help"}} {
		out := ok(t, "", nil, args...)
		for _, c := range commands {
			if !strings.Contains(out, "\t"+c.name) {
				t.Errorf("sluice %s does not list %s:\n%s", args[0], c.name, out)
			}
		}
	}
	for _, c := range commands {
		for _, args := range [][]string{{"help", c.name}, {c.name, "-h"}} {
			out := ok(t, "", nil, args...)
			if !strings.HasPrefix(out, "Usage: sluice "+c.name) || !strings.Contains(out, "-after") || !strings.Contains(out, "-format") {
				t.Errorf("sluice %q:\n%s", args, out)
			}
		}
	}
	if out := ok(t, "", nil, "s3", "ls", "-h"); !strings.Contains(out, "-endpoint") {
		t.Errorf("sluice s3 ls -h:\n%s", out)
	}
}
