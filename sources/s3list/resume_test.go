package s3list_test

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/s3fault"
	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/sources/s3list"
)

// threeAttempts is fastRetries with the SDK's default of 3 attempts per
// request: its standard retryer without its waits and its retry quota, so
// that a fault run is quick.
func threeAttempts(o *s3.Options) {
	fastRetries(o)
	o.Retryer = retry.AddWithMaxAttempts(o.Retryer, 3)
}

// firstN selects the first n requests that match selects: the SDK's
// attempts at a request and, once they have run out, the first attempt
// of the listing reopened after the fault.
func firstN(n int, match func(*http.Request) bool) func(*http.Request) bool {
	var mu sync.Mutex
	seen := 0
	return func(r *http.Request) bool {
		if !match(r) {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		seen++
		return seen <= n
	}
}

// resumeBucket returns a bucket of 400 keys, made from files when the
// gateway's directory is known.
func resumeBucket(t *testing.T) (string, []string) {
	ks := mediumKeys(400)
	if testenv.S3(t).Root == "" {
		c, _ := newClients(t).client()
		return putBucket(t, c, ks), ks
	}
	return fileBucket(t, "resume", func() []string { return ks }), ks
}

func objectCursor(o types.Object) string { return s3list.Entry{Object: &o}.Cursor() }

// TestResumeResets lists a bucket through a transport that resets the
// connection of every attempt at two requests, one more time than the
// SDK tries a request: the listing fails at each, and sluice.Resume with
// s3list.Transient reopens it after the last key delivered; the consumer
// gets exactly the keys of a clean listing, once each, in order.
func TestResumeResets(t *testing.T) {
	bucket, want := resumeBucket(t)
	cs := newClients(t)
	page := max(10, len(want)/8)
	clean, _ := cs.client()
	in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(int32(page))}
	if got := listKeys(t, clean, in); !slices.Equal(got, want) {
		t.Fatalf("a clean listing has %d keys, want the bucket's %d", len(got), len(want))
	}
	for _, m := range []struct {
		name    string
		workers int
		stream  bool
	}{
		{"Resume/Sequential", 0, false},
		{"Resume/Workers=4", 4, false},
		{"ResumeStream/Sequential", 0, true},
	} {
		t.Run(m.name, func(t *testing.T) {
			// The requests that start at these keys (page boundaries of a
			// sequential listing, anywhere in a concurrent one) fail 4
			// times: 3 by the SDK, then once more after the reopening.
			c, ft := cs.client(
				s3fault.Rule{Match: firstN(4, startsAt(bucket, want, 2*page)), Reset: true},
				s3fault.Rule{Match: firstN(4, startsAt(bucket, want, 5*page)), Reset: true},
			)
			open := func(ctx context.Context, after string) iter.Seq2[types.Object, error] {
				return s3list.All(ctx, c, in, &s3list.Options{After: after, Workers: m.workers, ClientOptions: []func(*s3.Options){threeAttempts}})
			}
			var mu sync.Mutex
			var retries []sluice.RetryEvent
			opts := &sluice.ResumeOptions{
				Transient:    s3list.Transient,
				InitialDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond,
				OnRetry: func(e sluice.RetryEvent) {
					mu.Lock()
					retries = append(retries, e)
					mu.Unlock()
				},
			}
			var objs []types.Object
			var err error
			if m.stream {
				ch, stop := sluice.ResumeStream(context.Background(), open, objectCursor, opts, nil)
				for o := range ch {
					objs = append(objs, o)
				}
				err = stop()
			} else {
				objs, err = collect(sluice.Resume(context.Background(), open, objectCursor, opts))
			}
			if err != nil {
				t.Fatalf("after %d keys: %v", len(objs), err)
			}
			if got := keys(objs); !slices.Equal(got, want) {
				t.Errorf("listed %d keys, want the clean listing's %d, each once and in order: %s", len(got), len(want), firstDiff(got, want))
			}
			mu.Lock()
			defer mu.Unlock()
			// A concurrent listing may meet the second fault in a range
			// it then abandons for the first, and get past what is left
			// of it within the SDK's attempts: one reopening at least.
			wantRetries := 2
			if m.workers > 0 {
				wantRetries = 1
			}
			if len(retries) < wantRetries {
				t.Errorf("%d reopenings, want at least %d: the resets did not outlast the SDK's retries", len(retries), wantRetries)
			}
			for _, e := range retries {
				t.Logf("attempt %d after %q failed: %v", e.Attempt, e.Cursor, e.Err)
			}
			t.Logf("%d requests", ft.Requests())
		})
	}
}

// TestResumeTransient: the errors a listing ends with, as the gateway and the
// fault transport make them, after the SDK's own attempts: those it
// retries are transient, the others not.
func TestResumeTransient(t *testing.T) {
	bucket, _ := resumeBucket(t)
	cs := newClients(t)
	list := func(bucket string, opts *s3list.Options, rules ...s3fault.Rule) error {
		c, _ := cs.client(rules...)
		o := s3list.Options{ClientOptions: []func(*s3.Options){threeAttempts}}
		if opts != nil {
			o.After = opts.After
		}
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(10)}
		_, err := collect(s3list.All(context.Background(), c, in, &o))
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, _ := cs.client()
	_, canceled := collect(s3list.All(ctx, c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}, nil))
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"reset", list(bucket, nil, s3fault.Rule{Reset: true}), true},
		{"503 SlowDown", list(bucket, nil, s3fault.Rule{Status: 503}), true},
		{"500 InternalError", list(bucket, nil, s3fault.Rule{Status: 500}), true},
		{"403 AccessDenied", list(bucket, nil, s3fault.Rule{Status: 403}), false},
		{"NoSuchBucket", list(bucket+"-missing", nil), false},
		{"bad cursor", list(bucket, &s3list.Options{After: "no-version"}), false},
		{"canceled", canceled, false},
		{"nil", nil, false},
	} {
		if tc.err == nil && tc.name != "nil" {
			t.Errorf("%s: the listing ended without an error", tc.name)
			continue
		}
		if got := s3list.Transient(tc.err); got != tc.want {
			t.Errorf("Transient(%s: %v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
	if !errors.Is(canceled, context.Canceled) {
		t.Errorf("a canceled listing ended with %v, want context.Canceled", canceled)
	}
}
