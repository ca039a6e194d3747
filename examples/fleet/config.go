package fleet

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/internal/s3fault"
	"github.com/sluice-go/sluice/shard/rivershard"
	"github.com/sluice-go/sluice/sinks/pgcopy"
	"github.com/sluice-go/sluice/sources/s3list"
)

// config is the definition of a run, which the planner and every worker
// must agree on: where to read, where to write, under which name.
type config struct {
	DSN       string
	Run       string
	Bucket    string
	Prefix    string
	Table     string
	Endpoint  string
	Region    string
	PathStyle bool
	PageSize  int           // keys per ListObjectsV2 request
	S3Delay   time.Duration // added to every S3 request
}

// flagSet returns the flag set of the command name, which writes its
// usage to out, with the flags of c, which both commands take, defined on
// it.
func (c *config) flagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s -run NAME [flags] [s3://bucket/prefix]\n", name)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.DSN, "dsn", os.Getenv("DATABASE_URL"), "PostgreSQL connection string (default $DATABASE_URL, else the PG* variables)")
	fs.StringVar(&c.Run, "run", "", "the run's `name`, the same for the planner and every worker, and its River queue (required)")
	fs.StringVar(&c.Bucket, "bucket", "", "the bucket to list (or give s3://bucket/prefix as the argument)")
	fs.StringVar(&c.Prefix, "prefix", "", "list only the keys that begin with `P`")
	fs.StringVar(&c.Table, "table", "s3_objects", "the `table` to load, optionally schema-qualified")
	fs.StringVar(&c.Endpoint, "endpoint", "", "the S3 endpoint `URL` (default: AWS's, or $AWS_ENDPOINT_URL)")
	fs.StringVar(&c.Region, "region", "", "the region (default: $AWS_REGION or the shared configuration, else us-east-1)")
	fs.BoolVar(&c.PathStyle, "path-style", false, "address buckets as http://host/bucket")
	fs.IntVar(&c.PageSize, "page", 1000, "keys per ListObjectsV2 request, 1 to 1000")
	fs.DurationVar(&c.S3Delay, "s3-delay", 0, "add `D` to every S3 request, to measure against a nearby server as if it were far away")
	return fs
}

// parse parses args with fs, the flag set of c, and checks c.
func (c *config) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	return c.check(fs.Args())
}

// queueName is what River accepts as a queue's name (nameRegex in
// River's client.go, less its '|'), which the run's name is.
var queueName = regexp.MustCompile(`^[a-z0-9]+(?:[_-]?[a-z0-9]+)*$`)

// check takes the bucket and prefix from an s3://bucket/prefix argument,
// if any, and checks c.
func (c *config) check(args []string) error {
	switch {
	case len(args) > 1:
		return fmt.Errorf("one s3://bucket/prefix argument at most, got %d", len(args))
	case len(args) == 1:
		if c.Bucket != "" || c.Prefix != "" {
			return errors.New("give either -bucket and -prefix or an s3://bucket/prefix argument, not both")
		}
		rest, ok := strings.CutPrefix(args[0], "s3://")
		if !ok {
			return fmt.Errorf("argument %q is not of the form s3://bucket/prefix", args[0])
		}
		c.Bucket, c.Prefix, _ = strings.Cut(rest, "/")
	}
	switch {
	case c.Bucket == "":
		return errors.New("no bucket: give -bucket or an s3://bucket/prefix argument")
	case c.Run == "":
		return errors.New("no run: give -run, the same name to the planner and every worker")
	case len(c.Run) > 64 || !queueName.MatchString(c.Run):
		// The run's jobs go into a River queue of its name, so that a
		// worker only ever fetches the jobs of its own run.
		return fmt.Errorf("-run %q: want at most 64 lower-case letters and digits, separated by single '_' or '-' (it names the run's River queue)", c.Run)
	case c.Table == "":
		return errors.New("no table: give -table")
	case c.PageSize < 1 || c.PageSize > 1000:
		return fmt.Errorf("-page %d: want 1 to 1000", c.PageSize)
	case c.S3Delay < 0:
		return fmt.Errorf("-s3-delay %v: want 0 or more", c.S3Delay)
	}
	return nil
}

// options are rivershard's options of the run: its jobs in a queue of
// its own.
func (c *config) options(splitAfter time.Duration) *rivershard.Options {
	return &rivershard.Options{Queue: c.Run, SplitAfter: splitAfter}
}

// source returns the listing as s3://bucket/prefix.
func (c *config) source() string { return "s3://" + c.Bucket + "/" + c.Prefix }

// tableName returns c.Table as an identifier: "s.t" is the table t of the
// schema s.
func (c *config) tableName() pgx.Identifier { return pgx.Identifier(strings.Split(c.Table, ".")) }

const createTable = `CREATE TABLE IF NOT EXISTS %s (key text NOT NULL, size bigint, etag text, last_modified timestamptz)`

// sharder returns the run's source: the listing of the bucket under the
// prefix, cut into key ranges.
func (c *config) sharder(client *s3.Client) (*s3list.Sharder, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(c.Bucket), MaxKeys: aws.Int32(int32(c.PageSize))}
	if c.Prefix != "" {
		in.Prefix = aws.String(c.Prefix)
	}
	return s3list.NewSharder(client, in, &s3list.Options{ClientOptions: []func(*s3.Options){
		// A shard that fails after the SDK's retries fails its job's
		// attempt, which River retries later from its cursor: retry a
		// little more first.
		func(o *s3.Options) { o.RetryMaxAttempts = 5 },
	}})
}

// sink returns the run's sink: rows of the table, in batches of batch.
func (c *config) sink(batch int) *pgcopy.Sink[s3list.Entry] {
	return &pgcopy.Sink[s3list.Entry]{
		Table:   c.tableName(),
		Columns: []string{"key", "size", "etag", "last_modified"},
		Row: func(e s3list.Entry) ([]any, error) {
			o := e.Object
			return []any{aws.ToString(o.Key), o.Size, o.ETag, o.LastModified}, nil
		},
		BatchRows: batch,
	}
}

// s3Client returns an S3 client configured by c and the SDK's default
// chain, and a function that closes its idle connections.
func (c *config) s3Client(ctx context.Context) (*s3.Client, func(), error) {
	awscfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(c.Region))
	if err != nil {
		return nil, nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if awscfg.Region == "" {
		awscfg.Region = "us-east-1"
	}
	// A transport of our own with the SDK's settings, as in
	// examples/s3-to-postgres, so that its idle connections can be closed.
	var transport *http.Transport
	if b, ok := awscfg.HTTPClient.(*awshttp.BuildableClient); ok {
		transport = b.GetTransport()
	} else {
		transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	// Listing ranges at once needs as many connections.
	transport.MaxIdleConnsPerHost = max(transport.MaxIdleConnsPerHost, 64)
	var rt http.RoundTripper = transport
	if c.S3Delay > 0 {
		// The round trip of a distant S3, added to a nearby one: what
		// the benchmark of a fleet measures against (BENCHMARKS.md).
		rt = &s3fault.Transport{Base: transport, Latency: c.S3Delay}
	}
	awscfg.HTTPClient = &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	client := s3.NewFromConfig(awscfg, func(o *s3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.UsePathStyle = c.PathStyle
	})
	return client, transport.CloseIdleConnections, nil
}
