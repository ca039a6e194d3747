package s3list_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/sluice-go/sluice/internal/s3fault"
	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
	"github.com/sluice-go/sluice/sources/s3list"
)

// mediumKeys are the keys of the fault-run bucket: 4 prefixes of 10
// directories of n/40 files.
func mediumKeys(n int) []string {
	var ks []string
	for p := range 4 {
		for d := range 10 {
			for f := range n / 40 {
				ks = append(ks, fmt.Sprintf("m%d/d%d/f%03d", p, d, f))
			}
		}
	}
	return ks
}

// mediumBucket returns a bucket of 4,000 keys made from files, or, when
// the gateway's directory is unknown, of 400 keys made by PUTs.
func mediumBucket(t *testing.T) (string, []string) {
	if testenv.S3(t).Root == "" {
		ks := mediumKeys(400)
		c, _ := newClients(t).client()
		return putBucket(t, c, ks), ks
	}
	ks := mediumKeys(4000)
	return fileBucket(t, "medium", func() []string { return ks }), ks
}

var modes = []struct {
	name string
	opts s3list.Options
}{
	{"Sequential", s3list.Options{}},
	{"Workers=4", s3list.Options{Workers: 4}},
}

// TestFaults lists a bucket through a transport that fails every third
// request with a fault the SDK retries: the listing completes with
// exactly the bucket's keys, however many requests failed.
func TestFaults(t *testing.T) {
	bucket, want := mediumBucket(t)
	cs := newClients(t)
	for _, fault := range []s3fault.Rule{
		{Every: 3, Status: 503, Code: "SlowDown"},
		{Every: 3, Status: 500},
		{Every: 3, Reset: true},
	} {
		for _, m := range modes {
			name := fmt.Sprintf("%d%s/%s", fault.Status, fault.Code, m.name)
			if fault.Reset {
				name = "Reset/" + m.name
			}
			t.Run(name, func(t *testing.T) {
				c, ft := cs.client(fault)
				opts := m.opts
				opts.ClientOptions = []func(*s3.Options){fastRetries}
				in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(int32(max(10, len(want)/50)))}
				objs, err := collect(s3list.All(context.Background(), c, in, &opts))
				if err != nil {
					t.Fatal(err)
				}
				if got := keys(objs); !slices.Equal(got, want) {
					t.Errorf("listed %d keys, want the bucket's %d: %s", len(got), len(want), firstDiff(got, want))
				}
				t.Logf("%d requests, a third of them failed", ft.Requests())
				if ft.Requests() < 30 {
					t.Errorf("%d requests: too few for the faults to matter", ft.Requests())
				}
			})
		}
	}
}

// TestTransientErrorEnds: a fault that outlasts the SDK's retries ends
// the listing with its error, after the keys before it: never early and
// silently.
func TestTransientErrorEnds(t *testing.T) {
	bucket, want := mediumBucket(t)
	cs := newClients(t)
	n := len(want) / 3
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c, ft := cs.client(s3fault.Rule{Match: startsAt(bucket, want, n), Status: 503})
			opts := m.opts
			opts.ClientOptions = []func(*s3.Options){fastRetries}
			in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(1)}
			if m.opts.Workers == 0 {
				// Start a few keys before n: pages of one key are slow to
				// list one at a time.
				opts.After = "v1:" + want[n-5]
			}
			objs, err := collect(s3list.All(context.Background(), c, in, &opts))
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "SlowDown" {
				t.Fatalf("error %v, want the API error SlowDown", err)
			}
			if got := keys(objs); len(got) == 0 || got[len(got)-1] != want[n-1] {
				t.Errorf("listed %d keys before the error, the last %q, want the last %q", len(got), got[max(0, len(got)-1):], want[n-1])
			}
			if ft.Requests() < 10 {
				t.Errorf("%d requests: the failing one was not retried 10 times", ft.Requests())
			}
		})
	}
}

// TestResume lists a bucket, is canceled halfway, and resumes after the
// key of the last object it received: the two runs hold exactly the
// bucket's keys, once each, also when the resumed run meets faults.
func TestResume(t *testing.T) {
	bucket, want := mediumBucket(t)
	cs := newClients(t)
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			c, _ := cs.client()
			in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(int32(max(10, len(want)/40)))}
			ctx, cancel := context.WithCancel(context.Background())
			var first []string
			var err error
			for o, e := range s3list.All(ctx, c, in, &m.opts) {
				if e != nil {
					err = e
					break
				}
				first = append(first, *o.Key)
				if len(first) == len(want)/2 {
					cancel() // killed halfway
				}
			}
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("the canceled run ended with %v, want context.Canceled", err)
			}
			cursor := first[len(first)-1]
			faulty, _ := cs.client(s3fault.Rule{Every: 2, Status: 500})
			opts := m.opts
			opts.After = "v1:" + cursor
			opts.ClientOptions = []func(*s3.Options){fastRetries}
			rest, err := collect(s3list.All(context.Background(), faulty, in, &opts))
			if err != nil {
				t.Fatal(err)
			}
			if got := append(first, keys(rest)...); !slices.Equal(got, want) {
				t.Errorf("the first run (%d keys, to %q) and the resumed run (%d keys) hold %d keys, want the bucket's %d: %s",
					len(first), cursor, len(rest), len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

// TestResumeAfterPrefix resumes a listing with a delimiter after a common
// prefix: the prefix is not listed again, nor anything under it, and the
// request starts past every key under the prefix, so the gateway does not
// list them to roll them up again.
func TestResumeAfterPrefix(t *testing.T) {
	env := testenv.S3(t)
	ks := []string{"a.txt", "a/1", "a/2", "a/x/y", "b", "b0/1", "c/1", "c/2", "d"}
	var mu sync.Mutex
	var starts []string
	ft := &s3fault.Transport{Base: &http.Transport{DisableKeepAlives: true}}
	ft.Add(s3fault.Rule{Match: func(r *http.Request) bool {
		if r.URL.Query().Get("list-type") == "2" {
			mu.Lock()
			starts = append(starts, r.URL.Query().Get("start-after"))
			mu.Unlock()
		}
		return false
	}, Status: 500})
	c := s3env.NewClient(t, env, func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: ft} })
	bucket := putBucket(t, c, ks)
	for _, tc := range []struct {
		prefix, after string
		want          []string
	}{
		{"", "a/", []string{"b", "b0/", "c/", "d"}},
		{"", "b0/", []string{"c/", "d"}},
		{"", "c/", []string{"d"}},
		{"a/", "a/x/", nil},
		{"a/", "a/1", []string{"a/2", "a/x/"}},
	} {
		t.Run(tc.after, func(t *testing.T) {
			starts = nil
			in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Delimiter: aws.String("/"), Prefix: aws.String(tc.prefix), MaxKeys: aws.Int32(2)}
			ents, err := collect(s3list.Entries(context.Background(), c, in, &s3list.Options{After: "v1:" + tc.after}))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range ents {
				got = append(got, e.Key())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Entries after %q = %q, want %q", tc.after, got, tc.want)
			}
			wantStart := tc.after
			if strings.HasSuffix(tc.after, "/") {
				wantStart = tc.after + "\U0010FFFF"
			}
			if len(starts) == 0 || starts[0] != wantStart {
				t.Errorf("the first request starts after %q, want %q", starts, wantStart)
			}
		})
	}
	// A naive StartAfter of the prefix itself: see what the gateway does.
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Delimiter: aws.String("/"), StartAfter: aws.String("a/")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("StartAfter=%q with delimiter: prefixes %v", "a/", prefixes(out.CommonPrefixes))
}

func prefixes(ps []types.CommonPrefix) []string {
	var s []string
	for _, p := range ps {
		s = append(s, aws.ToString(p.Prefix))
	}
	return s
}
