package s3list_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/sluice-go/sluice/internal/s3fault"
	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
)

// clients makes clients of the test gateway, each with a fault transport
// of its own, and counts the response bodies all of them hold open.
type clients struct {
	t   testing.TB
	env testenv.S3Env

	mu  sync.Mutex
	fts []*s3fault.Transport
}

func newClients(t testing.TB) *clients {
	return &clients{t: t, env: testenv.S3(t)}
}

// client returns a client whose requests go through a new fault
// transport with rules, which keeps no idle connection (so no goroutine
// outlives a check of the conformance suite).
func (cs *clients) client(rules ...s3fault.Rule) (*s3.Client, *s3fault.Transport) {
	ft := &s3fault.Transport{Base: &http.Transport{DisableKeepAlives: true}}
	for _, r := range rules {
		ft.Add(r)
	}
	cs.mu.Lock()
	cs.fts = append(cs.fts, ft)
	cs.mu.Unlock()
	c := s3env.NewClient(cs.t, cs.env, func(o *s3.Options) {
		o.HTTPClient = &http.Client{Transport: ft}
	})
	return c, ft
}

// open returns the response bodies that the clients' transports have
// handed out and not seen closed.
func (cs *clients) open() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	n := 0
	for _, ft := range cs.fts {
		n += ft.Open()
	}
	return n
}

// putBucket creates a bucket holding keys, each object's body its key,
// by PUTs.
func putBucket(t testing.TB, c *s3.Client, keys []string) string {
	t.Helper()
	bucket := s3env.NewBucket(t, c)
	var wg sync.WaitGroup
	errs := make(chan error, len(keys))
	sem := make(chan struct{}, 8)
	for _, k := range keys {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			_, err := c.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k),
			})
			if err != nil {
				errs <- fmt.Errorf("PutObject %s: %w", k, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return bucket
}

// marker returns where a ListObjectsV2 request of bucket starts: the
// greater of its start-after and its continuation token (which the
// gateway makes the last key of the page before), and whether req is one.
func marker(req *http.Request, bucket string) (string, bool) {
	q := req.URL.Query()
	if req.Method != http.MethodGet || strings.Trim(req.URL.Path, "/") != bucket || q.Get("list-type") != "2" {
		return "", false
	}
	return max(q.Get("start-after"), q.Get("continuation-token")), true
}

// startsAt selects the listing requests of bucket whose first entry
// would be the n-th (0-based) of entries: those that start at or after
// entry n-1 and before entry n. In a sequential listing in pages of one
// entry that is the request after n values; in a concurrent one every
// request that starts there, however the key space was cut.
func startsAt(bucket string, entries []string, n int) func(*http.Request) bool {
	return func(req *http.Request) bool {
		m, ok := marker(req, bucket)
		if !ok {
			return false
		}
		return (n == 0 || entries[n-1] <= m) && (n >= len(entries) || m < entries[n])
	}
}

// accessDenied passes seq on, and makes an AccessDenied error from the
// server also wrap want, the error the conformance suite's Fail check
// looks for. Any other error is passed on unchanged, and fails the check.
func accessDenied[V any](seq iter.Seq2[V, error], want error) iter.Seq2[V, error] {
	return func(yield func(V, error) bool) {
		for v, err := range seq {
			if !yield(v, alsoWrap(err, want)) {
				return
			}
		}
	}
}

// accessDeniedStop is accessDenied for the stop of a channel form.
func accessDeniedStop(stop func() error, want error) func() error {
	return sync.OnceValue(func() error { return alsoWrap(stop(), want) })
}

// alsoWrap returns err, made to wrap want too if it is an AccessDenied
// error from the server.
func alsoWrap(err, want error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "AccessDenied" {
		return fmt.Errorf("%w (%w)", err, want)
	}
	return err
}

func keys(objs []types.Object) []string {
	ks := make([]string, len(objs))
	for i, o := range objs {
		ks[i] = aws.ToString(o.Key)
	}
	return ks
}

// collect ranges seq to its end.
func collect[V any](seq iter.Seq2[V, error]) ([]V, error) {
	var vs []V
	for v, err := range seq {
		if err != nil {
			return vs, err
		}
		vs = append(vs, v)
	}
	return vs, nil
}

// listKeys lists bucket with the SDK's paginator: what every form must
// yield.
func listKeys(t testing.TB, c *s3.Client, in *s3.ListObjectsV2Input) []string {
	t.Helper()
	var ks []string
	p := s3.NewListObjectsV2Paginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, keys(page.Contents)...)
	}
	return ks
}

// fastRetries retries up to 10 times with a millisecond between attempts
// and no retry quota: a fault run fails requests far more often than a
// real service, and would otherwise wait on the SDK's backoff (a second
// for throttling) or run out of its retry tokens.
func fastRetries(o *s3.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = 10
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		so.RateLimiter = noQuota{}
	})
}

type noQuota struct{}

func (noQuota) GetToken(context.Context, uint) (func() error, error) {
	return func() error { return nil }, nil
}
func (noQuota) AddTokens(uint) error { return nil }

// bigKeys are the keys of the large test bucket: 16 prefixes of 25
// directories of 250 files, 100,000 keys.
func bigKeys() []string {
	ks := make([]string, 0, 100_000)
	for p := range 16 {
		for d := range 25 {
			for f := range 250 {
				ks = append(ks, fmt.Sprintf("p%02d/d%02d/f%03d", p, d, f))
			}
		}
	}
	return ks
}

// flatKeys are n keys with no "/", spread over the key space as hashes
// are: 16 hexadecimal digits each.
func flatKeys(n int) []string {
	ks := make([]string, n)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range ks {
		// splitmix64: distinct, evenly spread, the same every run.
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		ks[i] = fmt.Sprintf("%016x", z^(z>>31))
	}
	slices.Sort(ks)
	return ks
}

var fileBuckets struct {
	mu sync.Mutex
	m  map[string]string // bucket by fixture name
}

// fileBucket returns the bucket holding keys, created from files the
// first time a test of this binary asks for the fixture name.
func fileBucket(t testing.TB, name string, keys func() []string) string {
	t.Helper()
	fileBuckets.mu.Lock()
	defer fileBuckets.mu.Unlock()
	if b, ok := fileBuckets.m[name]; ok {
		return b
	}
	env := testenv.S3(t)
	c := s3env.NewClient(t, env)
	b := s3env.NewFileBucket(t, env, c, keys())
	if fileBuckets.m == nil {
		fileBuckets.m = map[string]string{}
	}
	fileBuckets.m[name] = b
	return b
}
