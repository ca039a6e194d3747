// Command shards prints the shards s3list's Split cuts a listing into, and
// how many keys each holds, by reading every shard: how even a plan is, on
// a real bucket. BENCHMARKS.md ("A fleet of workers") uses it on the fleet
// benchmark's bucket.
//
// Usage:
//
//	go run ./benchmarks/fleet/shards [-n 32] [-endpoint URL] [-path-style] s3://bucket/prefix
//
// Credentials and region come from the AWS SDK's default chain (the
// AWS_* variables); for the test gateway of ./test.sh, set
// AWS_ACCESS_KEY_ID=$SLUICE_TEST_S3_ACCESS_KEY,
// AWS_SECRET_ACCESS_KEY=$SLUICE_TEST_S3_SECRET_KEY and
// AWS_REGION=$SLUICE_TEST_S3_REGION, and give -endpoint $SLUICE_TEST_S3
// -path-style.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/sources/s3list"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "shards:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("shards", flag.ContinueOnError)
	n := fs.Int("n", 32, "cut the listing into up to `N` shards")
	endpoint := fs.String("endpoint", "", "the S3 endpoint `URL` (default: the SDK's)")
	pathStyle := fs.Bool("path-style", false, "address buckets by path, as the test gateway needs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("want one s3://bucket/prefix argument")
	}
	rest, ok := strings.CutPrefix(fs.Arg(0), "s3://")
	bucket, prefix, _ := strings.Cut(rest, "/")
	if !ok || bucket == "" {
		return fmt.Errorf("argument %q is not of the form s3://bucket/prefix", fs.Arg(0))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("loading the AWS configuration: %w", err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if *endpoint != "" {
			o.BaseEndpoint = aws.String(*endpoint)
		}
		o.UsePathStyle = *pathStyle
	})
	sharder, err := s3list.NewSharder(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	shards, err := sharder.Split(ctx, *n)
	if err != nil {
		return err
	}
	took := time.Since(start)
	least, most, total := -1, 0, 0
	for _, sh := range shards {
		r, err := sharder.Open(sh)
		if err != nil {
			return err
		}
		keys := 0
		for _, err := range r.All(ctx) {
			if err != nil {
				return err
			}
			keys++
		}
		fmt.Printf("%8d  [%q, %q)\n", keys, sh.Start, sh.End)
		total += keys
		most = max(most, keys)
		if least < 0 || keys < least {
			least = keys
		}
	}
	fmt.Printf("Split(%d) of s3://%s/%s in %v: %d shards of %d to %d keys, %d in all\n",
		*n, bucket, prefix, took.Round(time.Millisecond), len(shards), least, most, total)
	return nil
}
