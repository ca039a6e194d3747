package main

import (
	"context"
	"io"
	"os"
	"testing"
)

// The benchmarks of the command in one process, for profiles of where
// its time goes (BENCHMARKS.md, "The sluice command"); the whole-process
// figures beside find, awk, psql and aws come from
// benchmarks/command/run.sh.

// BenchmarkWalk walks $SLUICE_BENCH_TREE (default /usr) to io.Discard in
// the text format, sequentially and with 4 read-ahead workers.
func BenchmarkWalk(b *testing.B) {
	tree := os.Getenv("SLUICE_BENCH_TREE")
	if tree == "" {
		tree = "/usr"
	}
	if _, err := os.Stat(tree); err != nil {
		b.Skip(err)
	}
	for _, tc := range []struct{ name, workers string }{{"workers=0", "0"}, {"workers=4", "4"}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if code := run(context.Background(), []string{"walk", tree, "--format", "text", "--workers", tc.workers}, nil, io.Discard, io.Discard); code != 0 {
					b.Fatalf("exit code %d", code)
				}
			}
		})
	}
}

// BenchmarkS3 lists s3://$SLUICE_BENCH_BUCKET/ (default big, the bucket of
// benchmarks/command/run.sh) on the S3 service of $SLUICE_TEST_S3, in the
// text format, to io.Discard; it skips without them.
func BenchmarkS3(b *testing.B) {
	endpoint := os.Getenv("SLUICE_TEST_S3")
	if endpoint == "" {
		b.Skip("SLUICE_TEST_S3 is not set")
	}
	bucket := os.Getenv("SLUICE_BENCH_BUCKET")
	if bucket == "" {
		bucket = "big"
	}
	b.Setenv("AWS_ACCESS_KEY_ID", os.Getenv("SLUICE_TEST_S3_ACCESS_KEY"))
	b.Setenv("AWS_SECRET_ACCESS_KEY", os.Getenv("SLUICE_TEST_S3_SECRET_KEY"))
	for b.Loop() {
		if code := run(context.Background(), []string{"s3", "ls", "s3://" + bucket + "/", "--format", "text",
			"--endpoint", endpoint, "--path-style", "--region", "us-east-1"}, nil, io.Discard, os.Stderr); code != 0 {
			b.Fatalf("exit code %d", code)
		}
	}
}
