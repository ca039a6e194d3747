package s3list_test

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-go/sluice/internal/channelbench"
	"github.com/sluice-go/sluice/internal/s3fault"
	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
	"github.com/sluice-go/sluice/sources/s3list"
)

// benchWorkers is the concurrency of the concurrent variants.
const benchWorkers = 8

// BenchmarkList lists a whole bucket per op through a transport that adds
// a latency to every request, with each of:
//
//   - paginator: the SDK's ListObjectsV2Paginator, a loop over its pages;
//   - all: s3list.All, one page at a time;
//   - ordered: s3list.All with Workers, in key order;
//   - unordered: s3list.All with Workers and Unordered.
//
// The buckets are nested (100,000 keys in 16 prefixes of 25 directories)
// and flat (30,000 hash-like keys, no "/"; the gateway reads the whole
// directory for every request of a flat bucket, so it is kept smaller).
// It reports keys/s and the peak of the live heap during the listing.
func BenchmarkList(b *testing.B) {
	for _, fx := range []struct {
		name string
		keys func() []string
	}{
		{"nested", bigKeys},
		{"flat", func() []string { return flatKeys(30_000) }},
	} {
		b.Run("bucket="+fx.name, func(b *testing.B) {
			bucket := fileBucket(b, fx.name, fx.keys)
			want := len(fx.keys())
			for _, latency := range []time.Duration{0, 20 * time.Millisecond, 50 * time.Millisecond} {
				b.Run(fmt.Sprintf("latency=%dms", latency.Milliseconds()), func(b *testing.B) {
					c := benchClient(b, latency)
					in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
					for _, impl := range []struct {
						name string
						list func(context.Context) (int, error)
					}{
						{"paginator", func(ctx context.Context) (int, error) {
							n := 0
							p := s3.NewListObjectsV2Paginator(c, in)
							for p.HasMorePages() {
								page, err := p.NextPage(ctx)
								if err != nil {
									return n, err
								}
								for _, o := range page.Contents {
									if o.Key != nil {
										n++
									}
								}
							}
							return n, nil
						}},
						{"all", benchAll(c, in, nil)},
						{"ordered", benchAll(c, in, &s3list.Options{Workers: benchWorkers})},
						{"unordered", benchAll(c, in, &s3list.Options{Workers: benchWorkers, Unordered: true})},
					} {
						b.Run("impl="+impl.name, func(b *testing.B) {
							var peak uint64
							for b.Loop() {
								stop := sampleHeap(&peak)
								n, err := impl.list(context.Background())
								stop()
								if err != nil {
									b.Fatal(err)
								}
								if n != want {
									b.Fatalf("listed %d keys, want %d", n, want)
								}
							}
							b.ReportMetric(float64(want)*float64(b.N)/b.Elapsed().Seconds(), "keys/s")
							b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
						})
					}
				})
			}
		})
	}
}

func benchAll(c *s3.Client, in *s3.ListObjectsV2Input, opts *s3list.Options) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		n := 0
		for o, err := range s3list.All(ctx, c, in, opts) {
			if err != nil {
				return n, err
			}
			if o.Key != nil {
				n++
			}
		}
		return n, nil
	}
}

// benchClient returns a client of the test gateway that keeps enough idle
// connections for every worker, through a transport adding latency.
func benchClient(b *testing.B, latency time.Duration) *s3.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 64
	ft := &s3fault.Transport{Base: base, Latency: latency}
	b.Cleanup(ft.CloseIdleConnections)
	return s3env.NewClient(b, testenv.S3(b), func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: ft} })
}

// sampleHeap samples the live heap every millisecond, keeping the
// greatest value in *peak, until the function it returns is called.
func sampleHeap(peak *uint64) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(s)
		*peak = max(*peak, s[0].Value.Uint64())
	}
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		read()
	}
}

// BenchmarkChannel measures issue 12 for s3list: the recommended channel
// form, sluice.StreamBatches over the iterator, beside the iterator, on
// the nested bucket of BenchmarkList (100,000 keys) with no added latency,
// for All (objects) and Entries (without a Delimiter, as the sluice
// command lists by default). Every consumer does the same trivial work per
// key (adds up its length); benchstat -col /impl puts the forms side by
// side. It reports ns/key besides the time of a whole listing.
func BenchmarkChannel(b *testing.B) {
	bucket := fileBucket(b, "nested", bigKeys)
	want := len(bigKeys())
	c := benchClient(b, 0)
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
	b.Run("src=All", func(b *testing.B) {
		channelbench.Run(b, "key", want, func(ctx context.Context) iter.Seq2[types.Object, error] {
			return s3list.All(ctx, c, in, nil)
		}, func(o types.Object) int { return len(aws.ToString(o.Key)) })
	})
	b.Run("src=Entries", func(b *testing.B) {
		channelbench.Run(b, "key", want, func(ctx context.Context) iter.Seq2[s3list.Entry, error] {
			return s3list.Entries(ctx, c, in, nil)
		}, func(e s3list.Entry) int { return len(e.Key()) })
	})
}
