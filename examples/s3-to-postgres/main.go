// S3-to-postgres loads the listing of an S3 bucket (each object's key,
// size, ETag and last-modified time) into a PostgreSQL table exactly once,
// however often it is killed: it lists the bucket in key order with
// several requests at once (sources/s3list with Workers), writes the
// objects with COPY in batches (sinks/pgcopy), and commits each batch in
// one transaction with the key of its last object (checkpoint). Run again
// after a crash, a kill or a -limit, it lists the bucket again starting
// strictly after that key. Outside the standard library and this module it
// compiles the AWS SDK for Go v2 and github.com/jackc/pgx/v5, and what they
// require.
//
//	go run ./examples/s3-to-postgres -dsn "$DATABASE_URL" s3://my-bucket/logs/
//	go run ./examples/s3-to-postgres -endpoint http://127.0.0.1:7070 -path-style -bucket b -prefix 2025/
//
// The flags:
//
//	-dsn DSN           PostgreSQL connection string (default $DATABASE_URL, else the PG* variables)
//	-bucket NAME       the bucket to list (or give s3://bucket/prefix as the argument)
//	-prefix P          list only the keys that begin with P
//	-endpoint URL      the S3 endpoint (default: AWS's, or $AWS_ENDPOINT_URL)
//	-region R          the region (default: $AWS_REGION or the shared configuration, else us-east-1)
//	-path-style        address buckets as http://host/bucket (for most S3 servers other than AWS)
//	-table T           the table to load, "schema.table" or "table" (default s3_objects)
//	-workers N         listing requests in flight at once (default 4)
//	-batch N           objects per batch, one transaction each (default 5000)
//	-limit N           stop after reading N objects, as a crash would (default 0: no limit)
//
// Credentials come from the AWS SDK's default chain: $AWS_ACCESS_KEY_ID and
// $AWS_SECRET_ACCESS_KEY, the shared configuration and credentials files,
// and the rest.
//
// The table is created if it does not exist:
//
//	CREATE TABLE s3_objects (key text NOT NULL, size bigint, etag text, last_modified timestamptz)
//
// It has no unique constraint: the guarantee below is what keeps each key
// once. The checkpoints are kept in the table s3_to_postgres_checkpoints of
// the same database, under the name "s3://bucket/prefix → table", so one
// table may hold the listings of several prefixes or buckets, each loaded
// and resumed on its own.
//
// # Guarantee
//
// Each batch of objects and the cursor of its last object (s3list's
// "v1:" followed by the key) commit together or not at all, so after a
// kill at any instant the table holds exactly the
// objects listed up to the checkpoint's key, each once, and the next run
// continues right after it: when a run completes, the table holds the
// listing, each key exactly once. This holds as long as the bucket does not
// change meanwhile; a key added before the checkpoint's key after the load
// passed it is not listed again, and a key removed is not removed from the
// table. Two runs must not load the same bucket, prefix and table at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-go/sluice/checkpoint/pgstore"
	"github.com/sluice-go/sluice/sinks/pgcopy"
	"github.com/sluice-go/sluice/sources/s3list"
)

type config struct {
	dsn       string
	endpoint  string
	region    string
	pathStyle bool
	bucket    string
	prefix    string
	table     string
	workers   int
	batch     int
	limit     int // stop after reading this many objects; 0: no limit
}

func main() {
	var cfg config
	flag.StringVar(&cfg.dsn, "dsn", os.Getenv("DATABASE_URL"), "PostgreSQL connection string (default $DATABASE_URL, else the PG* variables)")
	flag.StringVar(&cfg.bucket, "bucket", "", "the bucket to list (or give s3://bucket/prefix as the argument)")
	flag.StringVar(&cfg.prefix, "prefix", "", "list only the keys that begin with `P`")
	flag.StringVar(&cfg.endpoint, "endpoint", "", "the S3 endpoint `URL` (default: AWS's, or $AWS_ENDPOINT_URL)")
	flag.StringVar(&cfg.region, "region", "", "the region (default: $AWS_REGION or the shared configuration, else us-east-1)")
	flag.BoolVar(&cfg.pathStyle, "path-style", false, "address buckets as http://host/bucket")
	flag.StringVar(&cfg.table, "table", "s3_objects", "the `table` to load, optionally schema-qualified")
	flag.IntVar(&cfg.workers, "workers", 4, "listing requests in flight at once")
	flag.IntVar(&cfg.batch, "batch", 5000, "objects per batch (one transaction each)")
	flag.IntVar(&cfg.limit, "limit", 0, "stop after reading `N` objects, as a crash would")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: s3-to-postgres [flags] [s3://bucket/prefix]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	log.SetFlags(0)
	if err := cfg.parseArgs(flag.Args()); err != nil {
		log.Fatalf("s3-to-postgres: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		log.Fatalf("s3-to-postgres: %v", err)
	}
}

// parseArgs takes the bucket and prefix from an s3://bucket/prefix
// argument, if any, and checks that the bucket is given once.
func (cfg *config) parseArgs(args []string) error {
	switch {
	case len(args) > 1:
		return fmt.Errorf("one s3://bucket/prefix argument at most, got %d", len(args))
	case len(args) == 1:
		if cfg.bucket != "" || cfg.prefix != "" {
			return errors.New("give either -bucket and -prefix or an s3://bucket/prefix argument, not both")
		}
		rest, ok := strings.CutPrefix(args[0], "s3://")
		if !ok {
			return fmt.Errorf("argument %q is not of the form s3://bucket/prefix", args[0])
		}
		cfg.bucket, cfg.prefix, _ = strings.Cut(rest, "/")
	}
	if cfg.bucket == "" {
		return errors.New("no bucket: give -bucket or an s3://bucket/prefix argument")
	}
	return nil
}

// checkpoints is the table of the checkpoints, in the target's database.
const checkpoints = "s3_to_postgres_checkpoints"

const schema = `CREATE TABLE IF NOT EXISTS %s (key text NOT NULL, size bigint, etag text, last_modified timestamptz)`

func run(ctx context.Context, cfg config, out io.Writer) error {
	if cfg.bucket == "" {
		return errors.New("no bucket")
	}
	if cfg.table == "" {
		return errors.New("no table")
	}
	client, closeClient, err := newClient(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeClient()
	pool, err := pgxpool.New(ctx, cfg.dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	table := cfg.tableName()
	if _, err := pool.Exec(ctx, fmt.Sprintf(schema, table.Sanitize())); err != nil {
		return fmt.Errorf("creating table %s: %w", table.Sanitize(), err)
	}

	source := cfg.source()
	sink := &pgcopy.Sink[types.Object]{
		Table:   table,
		Columns: []string{"key", "size", "etag", "last_modified"},
		Row: func(o types.Object) ([]any, error) {
			return []any{aws.ToString(o.Key), o.Size, o.ETag, o.LastModified}, nil
		},
		Cursor:     func(o types.Object) string { return s3list.Entry{Object: &o}.Cursor() },
		BatchRows:  cfg.batch,
		Checkpoint: pgstore.New(pool, checkpoints),
		Name:       checkpointName(cfg),
	}
	after, err := sink.Load(ctx)
	if err != nil {
		return err
	}
	if after != "" {
		fmt.Fprintf(out, "loading %s into %s, resuming after %s\n", source, table.Sanitize(), after)
	} else {
		fmt.Fprintf(out, "loading %s into %s\n", source, table.Sanitize())
	}

	in := &s3.ListObjectsV2Input{Bucket: aws.String(cfg.bucket)}
	if cfg.prefix != "" {
		in.Prefix = aws.String(cfg.prefix)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	objects := s3list.All(ctx, client, in, &s3list.Options{After: after, Workers: cfg.workers})
	res, err := sink.Write(ctx, pool, limit(objects, cfg.limit, cancel))
	fmt.Fprintf(out, "copied %d objects in %d batches\n", res.Rows, res.Batches)
	var noBucket *types.NoSuchBucket
	switch {
	case errors.Is(err, errLimit):
		fmt.Fprintf(out, "stopped at the limit (%v) after %s; run again to resume\n", err, res.Cursor)
		return nil
	case errors.As(err, &noBucket):
		return fmt.Errorf("bucket %q does not exist", cfg.bucket)
	case err != nil:
		return err
	}
	var rows int64
	err = pool.QueryRow(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE starts_with(key, $1)", table.Sanitize()), cfg.prefix).Scan(&rows)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "done: %s holds %d objects of %s\n", table.Sanitize(), rows, source)
	return nil
}

// newClient returns an S3 client configured by cfg and the SDK's default
// chain, and a function that closes its idle connections.
func newClient(ctx context.Context, cfg config) (*s3.Client, func(), error) {
	awscfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.region))
	if err != nil {
		return nil, nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if awscfg.Region == "" {
		awscfg.Region = "us-east-1"
	}
	// The SDK's own client builds its transport out of reach, so that its
	// idle connections (and their goroutines) outlive the run; use one of
	// ours with the SDK's settings ($AWS_CA_BUNDLE among them), which
	// hands redirects to the SDK as its own does.
	var transport *http.Transport
	if b, ok := awscfg.HTTPClient.(*awshttp.BuildableClient); ok {
		transport = b.GetTransport()
	} else {
		transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	awscfg.HTTPClient = &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	client := s3.NewFromConfig(awscfg, func(o *s3.Options) {
		if cfg.endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.endpoint)
		}
		o.UsePathStyle = cfg.pathStyle
	})
	return client, transport.CloseIdleConnections, nil
}

// source returns the listing cfg loads, as s3://bucket/prefix.
func (cfg config) source() string { return "s3://" + cfg.bucket + "/" + cfg.prefix }

// tableName returns cfg.table as an identifier: "s.t" is the table t of the
// schema s.
func (cfg config) tableName() pgx.Identifier { return pgx.Identifier(strings.Split(cfg.table, ".")) }

// checkpointName returns the name under which the load of cfg keeps its
// checkpoint: one per listing and table.
func checkpointName(cfg config) string { return cfg.source() + " → " + cfg.tableName().Sanitize() }

var errLimit = errors.New("-limit reached")

// limit passes seq on and, after n values, cancels the run with errLimit,
// as a crash would stop it: in the middle of a batch.
func limit[V any](seq iter.Seq2[V, error], n int, cancel context.CancelCauseFunc) iter.Seq2[V, error] {
	if n <= 0 {
		return seq
	}
	return func(yield func(V, error) bool) {
		i := 0
		for v, err := range seq {
			if !yield(v, err) || err != nil {
				return
			}
			if i++; i == n {
				cancel(errLimit)
			}
		}
	}
}
