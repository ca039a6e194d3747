package rivershard_test

import (
	"context"
	"fmt"
	"io"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-go/sluice/checkpoint"
	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/shard/rivershard"
	"github.com/sluice-go/sluice/sinks/s3sink"
	"github.com/sluice-go/sluice/sources/s3list"
	"github.com/sluice-go/sluice/sources/sqlrows"
)

// slowSource is a source whose readers sleep a millisecond every every
// values: a shard that lasts long enough to be split and stopped.
type slowSource[V any] struct {
	shard.Source[V]
	every int
}

func (s slowSource[V]) Open(sh shard.Shard) (shard.Reader[V], error) {
	r, err := s.Source.Open(sh)
	if err != nil {
		return nil, err
	}
	return slowReader[V]{r, s.every}, nil
}

type slowReader[V any] struct {
	shard.Reader[V]
	every int
}

func (r slowReader[V]) All(ctx context.Context) iter.Seq2[V, error] {
	return func(yield func(V, error) bool) {
		i := 0
		for v, err := range r.Reader.All(ctx) {
			if i++; err == nil && i%r.every == 0 {
				time.Sleep(time.Millisecond)
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// TestSplitAndStop copies a table whose shards last several job timeouts,
// so that each is split while it runs, and stops and goes on in new
// attempts: the copy is exact when each attempt resumes at its shard's
// cursor, within the End its splits narrowed, and each split's residual
// is a job. (Saving no cursor in the batches, narrowing no End, or
// inserting no residual's job each fail it.)
func TestSplitAndStop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, keyset := tableDB(t, 20000)
	src := slowSource[sqlrows.Row[srcRow]]{keyset, 1}
	plan(t, pool, "slow", src, 3)
	tm := timing{MaxWorkers: 2, JobTimeout: 2 * time.Second, RescueAfter: time.Minute, SplitAfter: 300 * time.Millisecond}
	startWorkers(t, pool, 2, tm, func(w *rivershard.Worker) error {
		return rivershard.Register(w, "slow", src, rivershard.PGCopy(tableSink(500)))
	})
	waitFinished(t, pool, 90*time.Second, "slow")
	checkTableCopy(t, pool)

	var splits, snoozes int
	err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE args ? 'parent'), coalesce(sum((metadata->>'snoozes')::int), 0)
FROM river_job WHERE kind = $1`, rivershard.Kind).Scan(&splits, &snoozes)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d jobs split off running ones, %d attempts stopped before their timeout", splits, snoozes)
	if splits == 0 || snoozes == 0 {
		t.Errorf("%d splits and %d stops: the test checks neither resuming nor narrowing", splits, snoozes)
	}
}

// TestStaleAttempt rescues a running job as River's rescuer does (its
// state made retryable underneath its worker): the attempt commits no
// batch after that, and the next attempt finishes the copy exactly.
// (Without the fence, the old attempt's batches commit after the rescue.)
func TestStaleAttempt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, keyset := tableDB(t, 2000)
	src := slowSource[sqlrows.Row[srcRow]]{keyset, 1}
	plan(t, pool, "stale", src, 1)
	tm := timing{MaxWorkers: 1, JobTimeout: time.Minute, RescueAfter: 2 * time.Minute, SplitAfter: -1}
	startWorkers(t, pool, 1, tm, func(w *rivershard.Worker) error {
		return rivershard.Register(w, "stale", src, rivershard.PGCopy(tableSink(50)))
	})
	rows := func() (n int) {
		t.Helper()
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM rivershard_dst").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for rows() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	// What JobRescueMany does to a stuck job (river_job.sql).
	tag, err := pool.Exec(ctx, `UPDATE river_job SET state = 'retryable', scheduled_at = now() + interval '1 hour'
WHERE kind = $1 AND state = 'running'`, rivershard.Kind)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("rescuing the job: %v, %v", tag, err)
	}
	at := rows()
	time.Sleep(time.Second) // some 20 batches of the old attempt, at a row a millisecond
	if after := rows(); after != at || at == 2000 {
		t.Fatalf("rivershard_dst held %d rows when the job was rescued, %d a second later", at, after)
	}
	if _, err := pool.Exec(ctx, "UPDATE river_job SET scheduled_at = now(), state = 'available' WHERE kind = $1", rivershard.Kind); err != nil {
		t.Fatal(err)
	}
	waitFinished(t, pool, 60*time.Second, "stale")
	checkTableCopy(t, pool)
}

// TestCheckpointed copies a table into S3 objects, one per row, with a
// Checkpointed sink (s3sink.Objects), through jobs that stop and resume
// and split: every row has its object.
func TestCheckpointed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, keyset := tableDB(t, 600)
	client := s3env.Client(t)
	bucket := s3env.NewBucket(t, client)
	objects := &s3sink.Objects[sqlrows.Row[srcRow]]{
		Bucket: bucket,
		Key:    func(r sqlrows.Row[srcRow]) string { return fmt.Sprintf("rows/%06d", r.Value.ID) },
		Body:   func(r sqlrows.Row[srcRow]) (io.Reader, error) { return strings.NewReader(r.Value.V), nil },
	}
	sink := rivershard.Checkpointed(func(ctx context.Context, seq iter.Seq2[sqlrows.Row[srcRow], error], cp checkpoint.Store, name string) error {
		o := *objects
		o.Checkpoint, o.Name = cp, name
		_, err := o.Write(ctx, client, seq)
		return err
	})
	src := slowSource[sqlrows.Row[srcRow]]{keyset, 2}
	plan(t, pool, "objects", src, 2)
	tm := timing{MaxWorkers: 2, JobTimeout: 2 * time.Second, RescueAfter: time.Minute, SplitAfter: 300 * time.Millisecond}
	startWorkers(t, pool, 1, tm, func(w *rivershard.Worker) error {
		return rivershard.Register(w, "objects", src, sink)
	})
	waitFinished(t, pool, 90*time.Second, "objects")
	n := 0
	for e, err := range s3list.All(ctx, client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("rows/%06d", n+1); aws.ToString(e.Key) != want {
			t.Fatalf("object %d is %s, want %s", n, aws.ToString(e.Key), want)
		}
		n++
	}
	if n != 600 {
		t.Errorf("%d objects for 600 rows", n)
	}
	p, err := rivershard.Status(ctx, pool, "objects", nil)
	t.Logf("%+v %v", p, err)
}

// TestSkewedSplit copies a bucket whose keys are 9 in 10 under one
// prefix, planned in two shards, with a worker that has room for more
// jobs: the shards are split while they run, inside the big prefix, as
// river_job shows, and the copy is exact.
func TestSkewedSplit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, pool := db(t, tableSetup+`CREATE TABLE rivershard_keys (key text NOT NULL);`)
	keys := skewedKeys(10_000)
	client := s3env.Client(t)
	bucket := s3env.NewFileBucket(t, testenv.S3(t), client, keys)
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"rivershard_keys"}, []string{"key"}, pgx.CopyFromSlice(len(keys), func(i int) ([]any, error) {
		return []any{keys[i]}, nil
	})); err != nil {
		t.Fatal(err)
	}
	src, err := bucketSource(client, bucket)
	if err != nil {
		t.Fatal(err)
	}
	plan(t, pool, "skewed", src, 2)
	tm := timing{MaxWorkers: 4, JobTimeout: 10 * time.Second, RescueAfter: time.Minute, SplitAfter: 500 * time.Millisecond}
	startWorkers(t, pool, 1, tm, func(w *rivershard.Worker) error {
		return rivershard.Register(w, "skewed", src, rivershard.PGCopy(objectSink(500)))
	})
	waitFinished(t, pool, 90*time.Second, "skewed")
	checkBucketCopy(t, pool)
	all, inside := splits(t, pool, "skewed", bigPrefix)
	t.Logf("river_job shows %d jobs split off running ones, %d inside %s", all, inside, bigPrefix)
	if inside == 0 {
		t.Errorf("river_job shows no job split off a running one inside %s (%d elsewhere)", bigPrefix, all)
	}
}
