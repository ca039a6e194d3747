package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
)

// s3Bucket creates a bucket of keys on the test gateway and returns it
// with the flags and environment that reach it.
func s3Bucket(t *testing.T, keys []string) (bucket string, flags, env []string) {
	t.Helper()
	e := testenv.S3(t)
	bucket = s3env.NewFileBucket(t, e, s3env.NewClient(t, e), keys)
	flags = []string{"--endpoint", e.Endpoint, "--path-style"}
	env = []string{"AWS_ACCESS_KEY_ID=" + e.AccessKey, "AWS_SECRET_ACCESS_KEY=" + e.SecretKey, "AWS_REGION=" + e.Region,
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_PROFILE="}
	return bucket, flags, env
}

func TestS3(t *testing.T) {
	keys := []string{"a.txt", "logs/1.log", "logs/2.log", "logs/old/0.log", "z/last"}
	bucket, flags, env := s3Bucket(t, keys)

	objs := objects(t, ok(t, "", env, append([]string{"s3", "ls", "s3://" + bucket}, flags...)...))
	if got := column(objs, "key"); !slices.Equal(got, keys) {
		t.Errorf("keys %q, want %q", got, keys)
	}
	if got, want := column(objs, "cursor"), v1(keys...); !slices.Equal(got, want) {
		t.Errorf("cursors %q, want %q", got, want)
	}
	for _, o := range objs {
		if fmt.Sprint(o["size"]) != "0" || o["etag"] == nil || o["last_modified"] == nil {
			t.Errorf("%v: want size 0, an etag, a last_modified", o)
		}
	}

	// A prefix and a delimiter: objects and common prefixes.
	objs = objects(t, ok(t, "", env, append([]string{"s3", "ls", "s3://" + bucket + "/logs/", "--delimiter", "/"}, flags...)...))
	if got, want := column(objs, "cursor"), v1("logs/1.log", "logs/2.log", "logs/old/"); !slices.Equal(got, want) {
		t.Errorf("--delimiter /: cursors %q, want %q", got, want)
	}
	if objs[2]["prefix"] != "logs/old/" {
		t.Errorf("--delimiter /: %v, want the prefix logs/old/", objs[2])
	}

	text := ok(t, "", env, append([]string{"s3", "ls", "--format", "text", "s3://" + bucket + "/logs/", "--delimiter", "/"}, flags...)...)
	tl := lines(text)
	if len(tl) != 3 || !strings.HasSuffix(tl[0], " 0 logs/1.log") || !strings.HasSuffix(tl[2], "PRE logs/old/") {
		t.Errorf("--format text:\n%s", text)
	}
}

func TestS3Interrupt(t *testing.T) {
	var keys []string
	for i := range 6000 {
		keys = append(keys, fmt.Sprintf("part-%d/object-%05d.json", i%7, i))
	}
	bucket, flags, env := s3Bucket(t, keys)
	args := append([]string{"s3", "ls", "s3://" + bucket + "/"}, flags...)
	full := ok(t, "", env, args...)
	if n := len(lines(full)); n != len(keys) {
		t.Fatalf("full run: %d lines, want %d", n, len(keys))
	}
	if got := ok(t, "", env, append(args, "--workers", "4")...); got != full {
		t.Errorf("--workers 4 listed %d lines, not the same as the full run's", len(lines(got)))
	}
	interruptAndResume(t, env, full, append(args, "--page-size", "250")...)
}

func TestS3Demo(t *testing.T) {
	full := ok(t, "", nil, "s3", "ls", "--demo")
	objs := objects(t, full)
	if len(objs) < 200 {
		t.Fatalf("the demo bucket lists %d objects, want a few hundred", len(objs))
	}
	keys := column(objs, "key")
	if !slices.IsSorted(keys) || !slices.Contains(keys, "logs/2026/11/27/api-1-00.log.gz") {
		t.Errorf("demo keys are not sorted or lack logs/2026/11/27/api-1-00.log.gz: %q", keys[:10])
	}
	// The URL before or after --demo, and a prefix.
	a := ok(t, "", nil, "s3", "ls", "s3://demo/reports/", "--demo", "--format", "text")
	b := ok(t, "", nil, "s3", "ls", "--demo", "--format", "text", "s3://demo/reports/")
	if a != b || len(lines(a)) != 30 || !strings.HasSuffix(lines(a)[0], "reports/2026/01/revenue.csv") {
		t.Errorf("s3 ls s3://demo/reports/ --demo --format text:\n%s\nand with the flags first:\n%s", a, b)
	}
	// Resuming works on the demo too.
	rest := ok(t, "", nil, "s3", "ls", "--demo", "--after", objs[99]["cursor"].(string))
	if objects(t, rest)[0]["key"] != keys[100] || len(lines(rest)) != len(keys)-100 {
		t.Errorf("--after the 100th cursor: %d lines", len(lines(rest)))
	}
}

// v1 returns the cursors of keys.
func v1(keys ...string) []string {
	cs := make([]string, len(keys))
	for i, k := range keys {
		cs[i] = "v1:" + k
	}
	return cs
}
