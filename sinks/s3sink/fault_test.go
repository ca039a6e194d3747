package s3sink_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/internal/testenv/s3env"
)

// A fault is what a faultTransport does to some requests of one S3
// operation: answer them with an error status, or hold them until their
// context is done.
type fault struct {
	op    string // the SDK's name of the operation: "UploadPart", "AbortMultipartUpload", …
	nth   int    // the request of op it applies to, counting from 1; 0 means every one
	every int    // or every every-th request of op
	code  string // the S3 error code to answer with, or "" to hang
	reset bool   // or fail it as a connection reset by the server
	ok    bool   // or answer 204 No Content, as if it succeeded

	// started, if not nil, is closed when a request the fault applies to
	// arrives.
	started chan struct{}
	once    sync.Once
}

// faultTransport injects faults between an S3 client and the gateway. It
// tells an operation by the name the SDK puts in the request's context,
// and counts each attempt of a request (the SDK retries some errors).
type faultTransport struct {
	next   http.RoundTripper
	faults []*fault

	mu     sync.Mutex
	counts map[string]int
}

// faultyClient returns a client of the test gateway whose requests go
// through the faults.
func faultyClient(t testing.TB, faults ...*fault) (*s3.Client, *faultTransport) {
	t.Helper()
	ft := &faultTransport{faults: faults, counts: map[string]int{}}
	c := s3env.Client(t, func(o *s3.Options) {
		ft.next = o.HTTPClient.(*http.Client).Transport
		o.HTTPClient = &http.Client{Transport: ft}
	})
	return c, ft
}

// count returns the number of attempts of op so far.
func (ft *faultTransport) count(op string) int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.counts[op]
}

// statuses are the HTTP statuses of the error codes the tests inject.
var statuses = map[string]int{
	"AccessDenied":  http.StatusForbidden,
	"InternalError": http.StatusInternalServerError,
	"SlowDown":      http.StatusServiceUnavailable,
}

func (ft *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := awsmiddleware.GetOperationName(req.Context())
	ft.mu.Lock()
	ft.counts[op]++
	n := ft.counts[op]
	ft.mu.Unlock()
	for _, f := range ft.faults {
		if f.op != op || (f.nth != 0 && f.nth != n) || (f.every != 0 && n%f.every != 0) {
			continue
		}
		if f.started != nil {
			f.once.Do(func() { close(f.started) })
		}
		if req.Body != nil {
			io.Copy(io.Discard, req.Body)
			req.Body.Close()
		}
		if f.ok {
			return &http.Response{
				Status:     "204 No Content",
				StatusCode: http.StatusNoContent,
				Proto:      "HTTP/1.1",
				ProtoMajor: 1,
				ProtoMinor: 1,
				Header:     http.Header{},
				Body:       http.NoBody,
				Request:    req,
			}, nil
		}
		if f.reset {
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
		}
		if f.code == "" {
			<-req.Context().Done()
			return nil, req.Context().Err()
		}
		status := statuses[f.code]
		msg := fmt.Sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>injected: %s %d</Message></Error>", f.code, op, n)
		return &http.Response{
			Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
			StatusCode:    status,
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        http.Header{"Content-Type": {"application/xml"}},
			Body:          io.NopCloser(strings.NewReader(msg)),
			ContentLength: int64(len(msg)),
			Request:       req,
		}, nil
	}
	return ft.next.RoundTrip(req)
}
