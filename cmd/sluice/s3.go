package main

import (
	"context"
	"fmt"
	"iter"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"

	"github.com/sluice-go/sluice/sources/s3list"
)

var s3Command = &command{
	name:     "s3",
	synopsis: s3Synopsis,
	summary:  "s3 ls: the objects of an S3 bucket under a prefix, in key order",
	run:      runS3,
	flags:    func(*env) *flagSet { fs, _ := s3Flags(); return fs },
}

const s3Synopsis = "s3 ls [flags] s3://BUCKET[/PREFIX]"

const s3About = `
S3 ls prints the objects of BUCKET whose keys begin with PREFIX, in key
order, as ListObjectsV2 lists them. Each line is

	{"key":"logs/a.gz","size":1234,"etag":"\"9b2cf5…\"","last_modified":"2026-11-27T10:00:00Z","storage_class":"STANDARD","cursor":"v1:logs/a.gz"}

and with --delimiter, each common prefix is a line too:

	{"prefix":"logs/","cursor":"v1:logs/"}

The cursor is "v1:" followed by the key (or the prefix); --after takes it
as printed, and refuses a bare key. The text format prints, as aws s3 ls
does, the date, the size and the key, or PRE and the prefix.

Credentials and the region come from the AWS SDK's usual chain (the
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and AWS_PROFILE
variables, ~/.aws/config and credentials, SSO, instance roles); the region
is us-east-1 if none is configured. Each request is tried at most 3 times,
and a connection attempt gives up after 5 seconds.

--demo starts an S3 server inside sluice, in memory, with a bucket "demo"
of a few hundred objects, and lists it: no credentials or network needed.
Without a URL it lists s3://demo/.`

type s3Options struct {
	endpoint  string
	region    string
	pathStyle bool
	delimiter string
	workers   int
	pageSize  int
	demo      bool
}

func s3Flags() (*flagSet, *s3Options) {
	fs := newFlagSet("s3 ls", s3Synopsis, s3About)
	o := &s3Options{}
	fs.StringVar(&o.endpoint, "endpoint", "", "the S3 service's `URL` (default: AWS, or $AWS_ENDPOINT_URL)")
	fs.StringVar(&o.region, "region", "", "the bucket's `region` (default: the SDK's configuration, else us-east-1)")
	fs.BoolVar(&o.pathStyle, "path-style", false, "address buckets as http://host/bucket rather than http://bucket.host (for most services other than AWS)")
	fs.StringVar(&o.delimiter, "delimiter", "", "roll up the keys that share a prefix ending with `DELIM` (\"/\": one level, as directories)")
	fs.IntVar(&o.workers, "workers", 0, "list `N` key ranges at once (the order is the same; not with --delimiter)")
	fs.IntVar(&o.pageSize, "page-size", 0, "ask for `N` keys per request (0: the service's default, 1000)")
	fs.BoolVar(&o.demo, "demo", false, "list a bucket of an S3 server started in memory (see above)")
	return fs, o
}

func runS3(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "ls" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			return errHelp
		}
		return usageErrorf("s3", "want s3 ls")
	}
	fs, o := s3Flags()
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if len(pos) == 0 && o.demo {
		pos = []string{"s3://demo/"}
	}
	if len(pos) != 1 {
		return usageErrorf("s3 ls", "want one s3://BUCKET/PREFIX, got %d arguments", len(pos))
	}
	bucket, prefix, err := parseS3URL(pos[0])
	if err != nil {
		return usageErrorf("s3 ls", "%v", err)
	}
	if o.endpoint != "" {
		if u, err := url.Parse(o.endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErrorf("s3 ls", "--endpoint %q: want a URL such as http://127.0.0.1:9000", o.endpoint)
		}
	}
	if o.pageSize < 0 || o.pageSize > 1000 {
		return usageErrorf("s3 ls", "--page-size %d: want 1 to 1000, or 0", o.pageSize)
	}
	if o.demo && o.endpoint != "" {
		return usageErrorf("s3 ls", "--demo and --endpoint exclude each other")
	}

	ident := "s3 ls s3://" + bucket + "/" + prefix
	if o.delimiter != "" {
		ident += " --delimiter " + o.delimiter
	}
	switch {
	case o.demo:
		ident += " --demo"
	case o.endpoint != "":
		ident += " --endpoint " + o.endpoint
	}
	r, err := start(e, fs, "s3", ident)
	if err != nil {
		return err
	}
	defer r.close()
	if r.done {
		return nil
	}

	var creds aws.CredentialsProvider
	if o.demo {
		d, err := startDemo()
		if err != nil {
			return fmt.Errorf("--demo: %w", err)
		}
		defer d.close()
		o.endpoint, o.pathStyle, o.region = d.endpoint, true, "us-east-1"
		creds = credentials.NewStaticCredentialsProvider(demoKey, demoSecret, "")
	}
	client, closeClient, err := newS3Client(ctx, o, creds)
	if err != nil {
		return err
	}
	defer closeClient()

	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
	if prefix != "" {
		in.Prefix = aws.String(prefix)
	}
	if o.delimiter != "" {
		in.Delimiter = aws.String(o.delimiter)
	}
	if o.pageSize > 0 {
		in.MaxKeys = aws.Int32(int32(o.pageSize))
	}
	lopts := &s3list.Options{After: r.after, Workers: o.workers}
	r.showProgress(0, false)
	src := streamBatches(ctx, r, func(ctx context.Context) iter.Seq2[s3list.Entry, error] {
		return s3list.Entries(ctx, client, in, lopts)
	})
	return drive(ctx, r, src, s3Printer)
}

// parseS3URL splits s3://bucket/prefix.
func parseS3URL(s string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q is not an s3://BUCKET/PREFIX URL", s)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q names no bucket", s)
	}
	return bucket, prefix, nil
}

// newS3Client returns a client configured by the SDK's default chain and
// o, and a function that closes its idle connections.
func newS3Client(ctx context.Context, o *s3Options, creds aws.CredentialsProvider) (*s3.Client, func(), error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryMaxAttempts(3),
		config.WithLogger(logging.Nop{}), // its warnings would be lines on stderr besides the error
	}
	if o.region != "" {
		opts = append(opts, config.WithRegion(o.region))
	}
	if creds != nil {
		opts = append(opts, config.WithCredentialsProvider(creds))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	// A transport of our own, from the SDK's (which has AWS_CA_BUNDLE's
	// roots, if any): a connect timeout, and idle connections closed at
	// the end.
	var tr *http.Transport
	if bc, ok := cfg.HTTPClient.(*awshttp.BuildableClient); ok {
		tr = bc.GetTransport()
	} else {
		tr = awshttp.NewBuildableClient().GetTransport()
	}
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	cfg.HTTPClient = &http.Client{Transport: tr}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.endpoint != "" {
			so.BaseEndpoint = aws.String(o.endpoint)
		}
		if o.pathStyle {
			so.UsePathStyle = true
		}
	})
	return client, tr.CloseIdleConnections, nil
}

var s3Printer = &printer[s3list.Entry]{
	json: func(b []byte, e s3list.Entry) []byte {
		if e.IsPrefix() {
			b = appendField(b, "prefix")
			return appendString(b, e.Prefix)
		}
		o := e.Object
		b = appendField(b, "key")
		b = appendString(b, aws.ToString(o.Key))
		b = appendField(b, "size")
		b = strconv.AppendInt(b, aws.ToInt64(o.Size), 10)
		if o.ETag != nil {
			b = appendField(b, "etag")
			b = appendString(b, *o.ETag)
		}
		if o.LastModified != nil {
			b = appendField(b, "last_modified")
			b = append(b, '"')
			b = o.LastModified.UTC().AppendFormat(b, time.RFC3339Nano)
			b = append(b, '"')
		}
		if o.StorageClass != "" {
			b = appendField(b, "storage_class")
			b = appendString(b, string(o.StorageClass))
		}
		return b
	},
	// As aws s3 ls prints them: the date, the size and the key, or PRE
	// and the prefix.
	text: func(b []byte, e s3list.Entry) []byte {
		if e.IsPrefix() {
			b = appendPadded(b, "PRE", 30)
			b = append(b, ' ')
			return append(b, e.Prefix...)
		}
		o := e.Object
		if o.LastModified != nil {
			b = o.LastModified.UTC().AppendFormat(b, time.DateTime)
		} else {
			b = append(b, "                   "...)
		}
		b = append(b, ' ')
		var n [20]byte
		b = appendPadded(b, string(strconv.AppendInt(n[:0], aws.ToInt64(o.Size), 10)), 10)
		b = append(b, ' ')
		return append(b, aws.ToString(o.Key)...)
	},
	cursor: s3list.Entry.Cursor,
}

// appendPadded appends s right-aligned in width columns, as %*s does.
func appendPadded(b []byte, s string, width int) []byte {
	for range width - len(s) {
		b = append(b, ' ')
	}
	return append(b, s...)
}
