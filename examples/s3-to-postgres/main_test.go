package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/pgenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
	"github.com/sluice-go/sluice/sources/s3list"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }

// s3Config returns a config for the test's S3 service, whose credentials
// it puts in the environment, where run's client (the SDK's default
// chain) finds them, and nothing else of the developer's AWS setup.
func s3Config(t *testing.T) config {
	env := testenv.S3(t)
	s3env.SetAWSEnv(t.Setenv, env)
	return config{endpoint: env.Endpoint, region: env.Region, pathStyle: true, workers: 4}
}

// testKeys returns n keys: some at the top level, most under common
// prefixes (which s3list lists as ranges of their own), a few not ASCII.
func testKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		switch {
		case i%97 == 0:
			keys[i] = fmt.Sprintf("top-%05d", i)
		case i%101 == 0:
			keys[i] = fmt.Sprintf("été/%05d.log", i)
		default:
			keys[i] = fmt.Sprintf("logs/%02d/%05d.log", i%23, i)
		}
	}
	return keys
}

// putObjects puts a tiny object under each of keys, 32 at a time.
func putObjects(t *testing.T, client *s3.Client, bucket string, keys []string) error {
	t.Helper()
	ctx := context.Background()
	start := time.Now()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  = make(chan string)
	)
	for range 32 {
		wg.Go(func() {
			for key := range next {
				_, err := client.PutObject(ctx, &s3.PutObjectInput{
					Bucket: aws.String(bucket),
					Key:    aws.String(key),
					Body:   strings.NewReader(key),
				}, func(o *s3.Options) {
					// The SDK's default CRC32 trailer costs a chunked upload.
					o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
				})
				if err != nil {
					once.Do(func() { first = fmt.Errorf("put %s: %w", key, err) })
				}
			}
		})
	}
	for _, k := range keys {
		next <- k
	}
	close(next)
	wg.Wait()
	t.Logf("put %d objects in %v", len(keys), time.Since(start).Round(time.Millisecond))
	return first
}

// object is a row of the table, and an object of the listing.
type object struct {
	Key          string
	Size         int64
	ETag         string
	LastModified time.Time
}

// listing returns the objects of the bucket under prefix, in key order.
func listing(t *testing.T, client *s3.Client, bucket, prefix string) []object {
	t.Helper()
	var objects []object
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)}
	for o, err := range s3list.All(context.Background(), client, in, nil) {
		if err != nil {
			t.Fatal(err)
		}
		objects = append(objects, object{aws.ToString(o.Key), aws.ToInt64(o.Size), aws.ToString(o.ETag), aws.ToTime(o.LastModified)})
	}
	return objects
}

// tableState returns the rows of the table of cfg, ordered by key, and
// the cursor of its checkpoint, read in one snapshot.
func tableState(t *testing.T, conn *pgx.Conn, cfg config) (rows []object, cursor string) {
	t.Helper()
	ctx := context.Background()
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	err = tx.QueryRow(ctx, "SELECT coalesce((SELECT cursor FROM "+checkpoints+" WHERE name = $1), '')", checkpointName(cfg)).Scan(&cursor)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tx.Query(ctx, `SELECT key, size, etag, last_modified FROM `+cfg.tableName().Sanitize()+` ORDER BY key COLLATE "C"`)
	if err != nil {
		t.Fatal(err)
	}
	rows, err = pgx.CollectRows(r, pgx.RowToStructByPos[object])
	if err != nil {
		t.Fatal(err)
	}
	return rows, cursor
}

// checkUpTo fails t unless rows are exactly the objects of full up to and
// including the object of cursor ("" for none), each once. It returns how
// many that is.
func checkUpTo(t *testing.T, rows, full []object, cursor string) int {
	t.Helper()
	n := 0
	if cursor != "" {
		key, ok := strings.CutPrefix(cursor, "v1:")
		if !ok {
			t.Fatalf("the checkpoint %q is not an s3list cursor", cursor)
		}
		i, ok := slices.BinarySearchFunc(full, key, func(o object, k string) int { return strings.Compare(o.Key, k) })
		if !ok {
			t.Fatalf("the checkpoint %q is not a key of the listing", cursor)
		}
		n = i + 1
	}
	want := full[:n]
	if len(rows) != len(want) {
		t.Fatalf("the table holds %d rows, the checkpoint %q covers %d objects", len(rows), cursor, len(want))
	}
	for i := range rows {
		got, w := rows[i], want[i]
		if got.Key != w.Key || got.Size != w.Size || got.ETag != w.ETag || !got.LastModified.Equal(w.LastModified) {
			t.Fatalf("row %d of the table is %+v, want %+v (checkpoint %q)", i, got, w, cursor)
		}
	}
	return n
}

// The bucket of the tests, shared: 20,000 objects take a while to put.
var shared struct {
	once   sync.Once
	bucket string
	err    error
}

const sharedObjects = 20_000

// sharedBucket returns the name of a bucket holding an object for each of
// testKeys(sharedObjects), made the first time a test asks. PUTs are slow
// (about 1000 a second on two cores), so where the gateway's directory is
// known, 9 keys in 10 are written there as empty files (which the gateway
// lists with a default ETag) and only the others are PUT, with contents of
// their own, so that sizes and ETags vary.
func sharedBucket(t *testing.T, client *s3.Client) string {
	t.Helper()
	shared.once.Do(func() {
		env := testenv.S3(t)
		var files, puts []string
		for i, k := range testKeys(sharedObjects) {
			if env.Root != "" && i%10 != 0 {
				files = append(files, k)
			} else {
				puts = append(puts, k)
			}
		}
		if len(files) > 0 {
			shared.bucket = s3env.NewFileBucket(t, env, client, files)
		} else {
			shared.bucket = s3env.NewBucket(t, client)
		}
		shared.err = putObjects(t, client, shared.bucket, puts)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.bucket
}

// TestResume stops a load twice in the middle of a batch and runs it
// again each time: in the end the table holds every object of the prefix
// exactly once, and none outside it.
func TestResume(t *testing.T) {
	cfg := s3Config(t)
	client := s3env.Client(t)
	cfg.bucket = sharedBucket(t, client)
	cfg.dsn, cfg.table, cfg.batch, cfg.prefix = pgenv.Database(t), "public.resume", 250, "logs/2"
	full := listing(t, client, cfg.bucket, cfg.prefix)
	if len(full) < 2000 || len(full) == sharedObjects {
		t.Fatalf("the listing of %s has %d objects", cfg.source(), len(full))
	}

	conn := pgenv.Connect(t, cfg.dsn)
	ctx := context.Background()
	for i, limit := range []int{777, 1111, 0} {
		cfg.limit = limit
		var out strings.Builder
		if err := run(ctx, cfg, &out); err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out.String())
		}
		t.Logf("run %d:\n%s", i, out.String())
		if i > 0 && !strings.Contains(out.String(), "resuming after") {
			t.Errorf("run %d did not resume", i)
		}
		rows, cursor := tableState(t, conn, cfg)
		n := checkUpTo(t, rows, full, cursor)
		if limit > 0 && (n == 0 || n == len(full)) {
			t.Errorf("run %d, cut at %d objects, committed %d of %d", i, limit, n, len(full))
		}
		if limit == 0 && n != len(full) {
			t.Errorf("the last run loaded %d objects of %d", n, len(full))
		}
	}
	if want := fmt.Sprintf("done: \"public\".\"resume\" holds %d objects of %s", len(full), cfg.source()); !strings.Contains(out(t, cfg), want) {
		t.Errorf("a run after the end does not say %q", want)
	}
}

// out runs cfg once more and returns its output.
func out(t *testing.T, cfg config) string {
	t.Helper()
	var b strings.Builder
	if err := run(context.Background(), cfg, &b); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	return b.String()
}

// TestMissingBucket runs a load of a bucket that does not exist: the error
// is one line naming the bucket, and nothing is loaded.
func TestMissingBucket(t *testing.T) {
	cfg := s3Config(t)
	cfg.bucket, cfg.dsn, cfg.table, cfg.batch = "no-such-bucket-s3pg", pgenv.Database(t), "missing", 100
	var b bytes.Buffer
	err := run(context.Background(), cfg, &b)
	if err == nil {
		t.Fatalf("run succeeded:\n%s", b.String())
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, `"no-such-bucket-s3pg"`) || !strings.Contains(msg, "does not exist") {
		t.Errorf("error = %q, want one line saying that bucket %q does not exist", msg, cfg.bucket)
	}
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		flags          config
		args           []string
		bucket, prefix string
		err            string
	}{
		{args: []string{"s3://b/logs/2025/"}, bucket: "b", prefix: "logs/2025/"},
		{args: []string{"s3://b"}, bucket: "b"},
		{flags: config{bucket: "b", prefix: "p/"}, bucket: "b", prefix: "p/"},
		{args: []string{"b/p"}, err: `argument "b/p" is not of the form s3://bucket/prefix`},
		{flags: config{bucket: "b"}, args: []string{"s3://c/"}, err: "not both"},
		{args: []string{"s3://a", "s3://b"}, err: "one s3://bucket/prefix argument at most"},
		{err: "no bucket"},
		{args: []string{"s3:///p"}, err: "no bucket"},
	} {
		cfg := tc.flags
		err := cfg.parseArgs(tc.args)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%+v %q: %v", tc.flags, tc.args, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%+v %q: error %v, want one containing %q", tc.flags, tc.args, err, tc.err)
		case tc.err == "" && (cfg.bucket != tc.bucket || cfg.prefix != tc.prefix):
			t.Errorf("%+v %q: bucket %q, prefix %q; want %q, %q", tc.flags, tc.args, cfg.bucket, cfg.prefix, tc.bucket, tc.prefix)
		}
	}
}
