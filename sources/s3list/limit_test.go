package s3list_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/time/rate"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/s3list"
)

// A pacer is a Limiter that counts its waits and, if begun is not nil,
// tells it the number of each wait as it begins; inner, if not nil, then
// does the waiting.
type pacer struct {
	inner sluice.Limiter
	waits atomic.Int32
	begun chan int32
}

func (p *pacer) Wait(ctx context.Context) error {
	n := p.waits.Add(1)
	if p.begun != nil {
		p.begun <- n
	}
	if p.inner == nil {
		return nil
	}
	return p.inner.Wait(ctx)
}

// A pacedClient counts the requests made, and those made without a wait
// of the pacer before them.
type pacedClient struct {
	s3.ListObjectsV2APIClient
	p                *pacer
	requests, unpaid atomic.Int32
}

func (c *pacedClient) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if n := c.requests.Add(1); n > c.p.waits.Load() {
		c.unpaid.Add(1)
	}
	return c.ListObjectsV2APIClient.ListObjectsV2(ctx, in, opts...)
}

func limitKeys() []string {
	ks := make([]string, 25)
	for i := range ks {
		ks[i] = fmt.Sprintf("p%d/k%02d", i%3, i)
	}
	slices.Sort(ks)
	return ks
}

// Options.Limiter is waited on once before each request: each of the
// three pages of 25 keys in pages of 10, and each request of a concurrent
// listing.
func TestLimiterWaitsForEachRequest(t *testing.T) {
	cs := newClients(t)
	c, _ := cs.client()
	want := limitKeys()
	bucket := putBucket(t, c, want)
	ctx := context.Background()
	for _, workers := range []int{0, 4} {
		p := &pacer{}
		pc := &pacedClient{ListObjectsV2APIClient: c, p: p}
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(10)}
		objs, err := collect(s3list.All(ctx, pc, in, &s3list.Options{Workers: workers, Limiter: p}))
		if err != nil {
			t.Fatal(err)
		}
		if got := keys(objs); !slices.Equal(got, want) {
			t.Errorf("Workers %d: listed %v, want %v", workers, got, want)
		}
		w, r := p.waits.Load(), pc.requests.Load()
		if w != r || pc.unpaid.Load() != 0 || workers == 0 && r != 3 {
			t.Errorf("Workers %d: %d waits for %d requests, %d made before their wait; want one wait before each (3 pages sequentially)", workers, w, r, pc.unpaid.Load())
		}
	}
}

// A context canceled while a request waits for the limiter ends the
// listing with the context's error, after the pages before: here the
// limiter lets one request go, and the next would wait an hour.
func TestLimiterCancelWhileWaiting(t *testing.T) {
	cs := newClients(t)
	c, _ := cs.client()
	want := limitKeys()
	bucket := putBucket(t, c, want)
	for _, workers := range []int{0, 4} {
		ctx, cancel := context.WithCancel(context.Background())
		p := &pacer{inner: rate.NewLimiter(rate.Every(time.Hour), 1), begun: make(chan int32, 100)}
		go func() {
			for n := range p.begun {
				if n == 2 {
					cancel()
				}
			}
		}()
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(10)}
		objs, err := collect(s3list.All(ctx, c, in, &s3list.Options{Workers: workers, Limiter: p}))
		close(p.begun)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Workers %d: ended with %v, want context.Canceled", workers, err)
		}
		if got := keys(objs); workers == 0 && !slices.Equal(got, want[:10]) || !slices.Equal(got, want[:len(got)]) {
			t.Errorf("Workers %d: listed %v before the cancellation, want the first page", workers, got)
		}
	}
}

// A sharder's requests wait for Options.Limiter too: those Split makes to
// plan the shards, and a shard reader's pages.
func TestLimiterWaitsForShardRequests(t *testing.T) {
	cs := newClients(t)
	c, _ := cs.client()
	want := limitKeys()
	bucket := putBucket(t, c, want)
	ctx := context.Background()
	p := &pacer{}
	pc := &pacedClient{ListObjectsV2APIClient: c, p: p}
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(10)}
	s, err := s3list.NewSharder(pc, in, &s3list.Options{Limiter: p})
	if err != nil {
		t.Fatal(err)
	}
	shards, err := s.Split(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sh := range shards {
		r, err := s.Open(sh)
		if err != nil {
			t.Fatal(err)
		}
		for e, err := range r.All(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, e.Key())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("shards listed %v, want %v", got, want)
	}
	if w, r := p.waits.Load(), pc.requests.Load(); w != r || r == 0 || pc.unpaid.Load() != 0 {
		t.Errorf("%d waits for %d requests, %d made before their wait; want one wait before each", w, r, pc.unpaid.Load())
	}
}
