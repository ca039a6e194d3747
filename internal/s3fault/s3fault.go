// Package s3fault is an http.RoundTripper that injects faults between an
// S3 client and its server, for tests and benchmarks: S3 error responses,
// connection resets, requests that hang until their context is done, and
// a fixed latency added to every request. It also counts the requests it
// sees and the response bodies it has handed out and not yet seen closed,
// which is what the conformance suite's Source.Open asks of an S3 source.
//
//	ft := &s3fault.Transport{Base: &http.Transport{DisableKeepAlives: true}}
//	ft.Add(s3fault.Rule{Every: 3, Status: 503, Code: "SlowDown"})
//	client := s3.New(s3.Options{…, HTTPClient: &http.Client{Transport: ft}})
//
// A fault answers in place of the server: the request never reaches Base.
//
// It imports only the standard library (its tests use the AWS SDK).
package s3fault

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// A Transport passes requests to Base, applying the rules added with Add.
// Its zero value passes every request to a clone of http.DefaultTransport.
// It is safe for concurrent use; set Base and Latency before its first
// request.
type Transport struct {
	// Base carries the requests that no rule answers. nil means a clone
	// of http.DefaultTransport, made on first use.
	Base http.RoundTripper

	// Latency is added to every request before it is sent (or answered by
	// a rule), as the round trip to a distant server would add it. The
	// wait ends early, with the request's context's error, when that
	// context is done.
	Latency time.Duration

	once sync.Once
	base http.RoundTripper

	mu    sync.Mutex
	rules []*rule

	requests atomic.Int64
	open     atomic.Int64
}

// A Rule says which requests fail and how. Of the fields that select
// requests, Nth wins over Every; with neither, every matching request
// fails. Exactly one of Status, Reset and Hang says how.
type Rule struct {
	// Match selects the requests the rule counts and may fail; nil
	// selects every request. It is called once per request, from the
	// request's goroutine, and must not call the Transport.
	Match func(*http.Request) bool

	// Nth fails only the n-th request Match selects (1-based).
	Nth int

	// Every fails every k-th request Match selects: the k-th, the 2k-th, …
	Every int

	// Status, if not zero, answers the request with an S3 XML error of
	// this HTTP status and error Code (Code "" picks the usual one for
	// the status: 403 AccessDenied, 404 NoSuchKey, 500 InternalError,
	// 503 SlowDown). The AWS SDK's standard retryer retries 500, 502,
	// 503 and 504 and the throttling codes (SlowDown among them), and
	// not 403 AccessDenied.
	Status int
	Code   string

	// Reset fails the request as net/http reports a connection the
	// server reset: a *net.OpError wrapping syscall.ECONNRESET, "read
	// tcp …: read: connection reset by peer". The SDK's retryer retries
	// it (aws/retry.RetryableConnectionError).
	Reset bool

	// Hang blocks the request until its context is done, then returns
	// the context's error, as a server that never answers.
	Hang bool
}

type rule struct {
	Rule
	seen int // requests matched so far; guarded by Transport.mu
}

// Add appends r to the rules. For each request, every rule whose Match
// selects it counts it, and the first rule, in the order added, that
// fires on that count decides the fault. Add panics if r names no fault
// or more than one.
func (t *Transport) Add(r Rule) {
	n := 0
	for _, b := range []bool{r.Status != 0, r.Reset, r.Hang} {
		if b {
			n++
		}
	}
	if n != 1 {
		panic(fmt.Sprintf("s3fault: a Rule needs exactly one of Status, Reset and Hang, got %d", n))
	}
	if r.Nth < 0 || r.Every < 0 {
		panic("s3fault: negative Rule.Nth or Rule.Every")
	}
	t.mu.Lock()
	t.rules = append(t.rules, &rule{Rule: r})
	t.mu.Unlock()
}

// Requests returns the number of requests RoundTrip has been given,
// including those a rule failed.
func (t *Transport) Requests() int { return int(t.requests.Load()) }

// Open returns the number of response bodies handed out and not yet
// closed.
func (t *Transport) Open() int { return int(t.open.Load()) }

// CloseIdleConnections closes the idle connections of Base, if it has
// any, so that no goroutine serving one outlives a test.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.transport().(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

func (t *Transport) transport() http.RoundTripper {
	t.once.Do(func() {
		t.base = t.Base
		if t.base == nil {
			t.base = http.DefaultTransport.(*http.Transport).Clone()
		}
	})
	return t.base
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	base := t.transport()
	ctx := req.Context()
	if t.Latency > 0 {
		timer := time.NewTimer(t.Latency)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			closeBody(req)
			return nil, ctx.Err()
		}
	}
	r := t.fault(req)
	switch {
	case r == nil:
		resp, err := base.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		resp.Body = t.track(resp.Body)
		return resp, nil
	case r.Hang:
		closeBody(req)
		<-ctx.Done()
		return nil, ctx.Err()
	case r.Reset:
		closeBody(req)
		return nil, resetError(req)
	default:
		closeBody(req)
		return t.errorResponse(req, r.Status, r.Code), nil
	}
}

// fault returns the rule that fails req, or nil. Match runs outside the
// lock, so that a slow or panicking Match does not hold up other requests.
func (t *Transport) fault(req *http.Request) *Rule {
	t.mu.Lock()
	rules := t.rules
	t.mu.Unlock()
	if len(rules) == 0 {
		return nil
	}
	matched := make([]bool, len(rules))
	for i, r := range rules {
		matched[i] = r.Match == nil || r.Match(req)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var fired *Rule
	for i, r := range rules {
		if !matched[i] {
			continue
		}
		r.seen++
		var fires bool
		switch {
		case r.Nth > 0:
			fires = r.seen == r.Nth
		case r.Every > 0:
			fires = r.seen%r.Every == 0
		default:
			fires = true
		}
		if fires && fired == nil {
			fired = &r.Rule
		}
	}
	return fired
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// resetError is the error net/http returns when the server resets the
// connection while the client waits for its response.
func resetError(req *http.Request) error {
	addr, _ := net.ResolveTCPAddr("tcp", canonicalAddr(req))
	return &net.OpError{
		Op:     "read",
		Net:    "tcp",
		Source: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)},
		Addr:   addr,
		Err:    os.NewSyscallError("read", syscall.ECONNRESET),
	}
}

func canonicalAddr(req *http.Request) string {
	host := req.URL.Host
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	if req.URL.Scheme == "https" {
		return host + ":443"
	}
	return host + ":80"
}

var defaultCodes = map[int]string{
	400: "InvalidRequest",
	403: "AccessDenied",
	404: "NoSuchKey",
	409: "OperationAborted",
	500: "InternalError",
	501: "NotImplemented",
	503: "SlowDown",
}

func (t *Transport) errorResponse(req *http.Request, status int, code string) *http.Response {
	if code == "" {
		code = defaultCodes[status]
		if code == "" {
			code = strings.ReplaceAll(http.StatusText(status), " ", "")
		}
	}
	id := "s3fault-" + strconv.Itoa(t.Requests())
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<Error><Code>%s</Code><Message>injected by s3fault</Message><Resource>%s</Resource><RequestId>%s</RequestId></Error>`,
		code, xmlEscape(req.URL.Path), id)
	h := make(http.Header)
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amz-Request-Id", id)
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          t.track(io.NopCloser(strings.NewReader(body))),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// track counts body as open until it is closed.
func (t *Transport) track(body io.ReadCloser) io.ReadCloser {
	if body == nil {
		return nil
	}
	t.open.Add(1)
	return &trackedBody{ReadCloser: body, t: t}
}

type trackedBody struct {
	io.ReadCloser
	t      *Transport
	closed atomic.Bool
}

func (b *trackedBody) Close() error {
	err := b.ReadCloser.Close()
	if b.closed.CompareAndSwap(false, true) {
		b.t.open.Add(-1)
	}
	return err
}
