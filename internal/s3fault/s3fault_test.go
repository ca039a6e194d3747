package s3fault_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/internal/s3fault"
	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }

// setup returns a fault transport, a client whose requests go through it
// to the test gateway, and a bucket holding one object, "k".
func setup(t *testing.T) (*s3fault.Transport, *s3.Client, string) {
	t.Helper()
	env := testenv.S3(t)
	plain := s3env.NewClient(t, env)
	bucket := s3env.NewBucket(t, plain)
	if _, err := plain.PutObject(t.Context(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("k"), Body: strings.NewReader("value"),
	}); err != nil {
		t.Fatal(err)
	}
	ft := &s3fault.Transport{Base: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(ft.CloseIdleConnections)
	c := s3env.NewClient(t, env, func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: ft} })
	return ft, c, bucket
}

func list(ctx context.Context, c *s3.Client, bucket string) error {
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err == nil && (len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "k") {
		err = errors.New("the listing does not hold exactly the key k")
	}
	return err
}

func TestPassThrough(t *testing.T) {
	ft, c, bucket := setup(t)
	if err := list(t.Context(), c, bucket); err != nil {
		t.Fatal(err)
	}
	if got := ft.Requests(); got != 1 {
		t.Errorf("Requests() = %d, want 1", got)
	}
	if got := ft.Open(); got != 0 {
		t.Errorf("Open() = %d after the SDK read the response, want 0", got)
	}
}

// TestFailed: a 403 AccessDenied reaches the caller as the SDK's API error,
// after one request: the SDK does not retry it.
func TestFailed(t *testing.T) {
	ft, c, bucket := setup(t)
	ft.Add(s3fault.Rule{Nth: 1, Status: 403})
	err := list(t.Context(), c, bucket)
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDenied" {
		t.Fatalf("ListObjectsV2 = %v, want an API error with code AccessDenied", err)
	}
	var status interface{ HTTPStatusCode() int }
	if !errors.As(err, &status) || status.HTTPStatusCode() != 403 {
		t.Errorf("ListObjectsV2 = %v, want HTTP status 403", err)
	}
	if got := ft.Requests(); got != 1 {
		t.Errorf("Requests() = %d, want 1: AccessDenied is not retried", got)
	}
	if got := ft.Open(); got != 0 {
		t.Errorf("Open() = %d, want 0", got)
	}
}

// TestRetried: the faults the SDK's standard retryer retries; the second
// attempt reaches the gateway and succeeds.
func TestRetried(t *testing.T) {
	for _, r := range []s3fault.Rule{
		{Status: 503, Code: "SlowDown"},
		{Status: 500},
		{Status: 503},
		{Reset: true},
	} {
		name := "Reset"
		if !r.Reset {
			name = strconv.Itoa(r.Status) + r.Code
		}
		t.Run(name, func(t *testing.T) {
			ft, c, bucket := setup(t)
			r.Nth = 1
			ft.Add(r)
			if err := list(t.Context(), c, bucket); err != nil {
				t.Fatalf("ListObjectsV2 = %v, want it to succeed on its retry", err)
			}
			if got := ft.Requests(); got != 2 {
				t.Errorf("Requests() = %d, want 2 (the failure and its retry)", got)
			}
		})
	}
}

func TestResetError(t *testing.T) {
	ft, c, bucket := setup(t)
	ft.Add(s3fault.Rule{Reset: true})
	err := list(t.Context(), c, bucket)
	if !errors.Is(err, syscall.ECONNRESET) || !strings.Contains(err.Error(), "connection reset by peer") {
		t.Errorf("ListObjectsV2 with every request reset = %v, want an error matching syscall.ECONNRESET", err)
	}
	if got := ft.Requests(); got != 3 {
		t.Errorf("Requests() = %d, want 3 (the SDK's default of three attempts)", got)
	}
}

// TestHang: a hanging request ends with its context's error once the
// context is done, and holds nothing open.
func TestHang(t *testing.T) {
	ft, c, bucket := setup(t)
	ft.Add(s3fault.Rule{Hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := list(ctx, c, bucket)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ListObjectsV2 of a hanging request = %v, want context.DeadlineExceeded", err)
	}
	if got := ft.Requests(); got != 1 {
		t.Errorf("Requests() = %d, want 1", got)
	}
	if got := ft.Open(); got != 0 {
		t.Errorf("Open() = %d, want 0", got)
	}
}

// TestLatency: the added latency honours the request's context.
func TestLatency(t *testing.T) {
	ft, c, bucket := setup(t)
	ft.Latency = time.Millisecond
	if err := list(t.Context(), c, bucket); err != nil {
		t.Fatal(err)
	}
	ft2 := &s3fault.Transport{Base: ft, Latency: time.Hour}
	c2 := s3.New(c.Options(), func(o *s3.Options) { o.HTTPClient = &http.Client{Transport: ft2} })
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	if err := list(ctx, c2, bucket); !errors.Is(err, context.Canceled) {
		t.Errorf("ListObjectsV2 canceled during an hour of latency = %v, want context.Canceled", err)
	}
}

// TestCounting: Nth fails only its request, Every every k-th, both
// counting only the requests Match selects.
func TestCounting(t *testing.T) {
	ft, c, bucket := setup(t)
	isList := func(r *http.Request) bool { return r.URL.Query().Get("list-type") == "2" }
	ft.Add(s3fault.Rule{Match: isList, Nth: 2, Status: 403})
	ft.Add(s3fault.Rule{Match: isList, Every: 3, Status: 403, Code: "Third"})
	ctx := t.Context()
	noRetry := func(o *s3.Options) { o.RetryMaxAttempts = 1 }
	head := func() error {
		_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")}, noRetry)
		return err
	}
	lst := func() error {
		_, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}, noRetry)
		return err
	}
	code := func(err error) string {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return apiErr.ErrorCode()
		}
		if err != nil {
			return err.Error()
		}
		return ""
	}
	steps := []struct {
		call func() error
		want string
	}{
		{lst, ""}, {head, ""}, {lst, "AccessDenied"}, {head, ""}, {lst, "Third"}, {lst, ""}, {lst, ""}, {lst, "Third"},
	}
	for i, s := range steps {
		if got := code(s.call()); got != s.want {
			t.Errorf("request %d: error code %q, want %q", i+1, got, s.want)
		}
	}
	if got := ft.Requests(); got != len(steps) {
		t.Errorf("Requests() = %d, want %d", got, len(steps))
	}
}

// TestOpen: a body the caller has not closed counts as open.
func TestOpen(t *testing.T) {
	ft, c, bucket := setup(t)
	out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if got := ft.Open(); got != 1 {
		t.Errorf("Open() = %d with a GetObject body not closed, want 1", got)
	}
	b, err := io.ReadAll(out.Body)
	if err != nil || string(b) != "value" {
		t.Errorf("body = %q, %v", b, err)
	}
	out.Body.Close()
	out.Body.Close()
	if got := ft.Open(); got != 0 {
		t.Errorf("Open() = %d after the body was closed (twice), want 0", got)
	}
}

func TestAddPanics(t *testing.T) {
	for _, r := range []s3fault.Rule{{}, {Status: 500, Hang: true}, {Reset: true, Every: -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Add(%+v) did not panic", r)
				}
			}()
			new(s3fault.Transport).Add(r)
		}()
	}
}
