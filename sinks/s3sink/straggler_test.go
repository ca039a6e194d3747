package s3sink_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/internal/testenv/s3env"
	"github.com/sluice-go/sluice/sinks/s3sink"
)

// holdPart is a transport that holds the last byte of the body of one
// UploadPart request (the nth) until release is closed. The gateway has
// begun that part by then (it has checked that the upload exists and is
// writing the part's bytes), and ends it only when the last byte comes:
// so a test decides when a part in flight ends, relative to the abort.
//
// With detach, the held part is sent to the gateway with a context of its
// own, which the client's giving up does not cancel: what S3 does with a
// part whose bytes have all reached it when its client goes away. Its
// client gets its context's error at once; the gateway ends the part when
// it is released, whatever became of the upload meanwhile.
type holdPart struct {
	next    http.RoundTripper
	nth     int
	detach  bool
	onAbort bool // release the part when an abort has been answered, and answer the abort once the part has ended

	started  chan struct{} // closed when the gateway has begun reading the held part
	release  chan struct{} // closed to send its last byte
	answered chan struct{} // closed when the gateway has answered it
	relOnce  sync.Once
	wg       sync.WaitGroup // the detached part's goroutine

	mu     sync.Mutex
	counts map[string]int
	events []string // what happened, in order
	status int      // the gateway's answer to the held part, 0 if none (whether or not its client took it)
}

// holdingClient returns a client of the test gateway whose nth UploadPart
// request is held as h says.
func holdingClient(t *testing.T, h *holdPart) *s3.Client {
	t.Helper()
	h.started = make(chan struct{})
	h.release = make(chan struct{})
	h.answered = make(chan struct{})
	h.counts = map[string]int{}
	c := s3env.Client(t, func(o *s3.Options) {
		h.next = o.HTTPClient.(*http.Client).Transport
		o.HTTPClient = &http.Client{Transport: h}
	})
	t.Cleanup(func() {
		h.releasePart() // a test that failed early must not leave it held
		h.wg.Wait()
	})
	return c
}

// cancelWhenStarted returns a context that is canceled when the held part
// has started, after which the part is released if release is set.
func (h *holdPart) cancelWhenStarted(t *testing.T, release bool) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	go func() {
		select {
		case <-h.started:
		case <-ctx.Done(): // the test ended first
			return
		}
		cancel()
		if release {
			h.releasePart()
		}
	}()
	return ctx
}

func (h *holdPart) releasePart() { h.relOnce.Do(func() { close(h.release) }) }

func (h *holdPart) event(e string) {
	h.mu.Lock()
	h.events = append(h.events, e)
	h.mu.Unlock()
}

func (h *holdPart) log() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.events...)
}

func (h *holdPart) count(op string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[op]
}

func (h *holdPart) partStatus() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status
}

func (h *holdPart) RoundTrip(req *http.Request) (*http.Response, error) {
	op := awsmiddleware.GetOperationName(req.Context())
	h.mu.Lock()
	h.counts[op]++
	n := h.counts[op]
	h.mu.Unlock()
	switch {
	case op == "UploadPart" && n == h.nth:
		return h.hold(req)
	case op == "AbortMultipartUpload":
		h.event("abort sent")
		resp, err := h.next.RoundTrip(req)
		if h.onAbort {
			h.releasePart()
			<-h.answered
		}
		return resp, err
	}
	return h.next.RoundTrip(req)
}

func (h *holdPart) hold(req *http.Request) (*http.Response, error) {
	if req.ContentLength < 2 {
		return nil, errors.New("holdPart: an UploadPart without a Content-Length")
	}
	body := req.Body
	if h.detach {
		// All its bytes are the gateway's to have, however soon its
		// client gives up (and the SDK closes the body).
		p, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = io.NopCloser(bytes.NewReader(p))
	}
	ctx := req.Context()
	if h.detach {
		ctx = context.WithoutCancel(ctx)
	}
	hb := &heldBody{r: body, left: req.ContentLength, release: h.release, started: h.started}
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { hb.conn = info.Conn },
	})
	fwd := req.Clone(ctx)
	fwd.Body = hb
	type answer struct {
		resp *http.Response
		err  error
	}
	answers := make(chan answer, 1)
	h.wg.Go(func() {
		resp, err := h.next.RoundTrip(fwd)
		if err == nil {
			h.mu.Lock()
			h.status = resp.StatusCode
			h.mu.Unlock()
			h.event(fmt.Sprintf("gateway answered the part: %d", resp.StatusCode))
		} else {
			h.event("part failed: " + err.Error())
		}
		close(h.answered)
		answers <- answer{resp, err}
	})
	select {
	case a := <-answers:
		// The test cancels before it releases the part: an answer that
		// comes after its client's context is done comes too late.
		if req.Context().Err() == nil {
			h.event("part answered")
			return a.resp, a.err
		}
		answers <- a
	case <-req.Context().Done():
	}
	h.event("part given up")
	h.wg.Go(func() {
		if a := <-answers; a.err == nil {
			io.Copy(io.Discard, a.resp.Body)
			a.resp.Body.Close()
		}
	})
	return nil, req.Context().Err()
}

// heldBody is r, of left bytes, with its last byte held until release is
// closed. It closes started when the gateway has read every byte before
// the last: its handler is then writing the part, past the check that
// the upload exists, and waits for the last byte to end it.
type heldBody struct {
	r       io.ReadCloser
	left    int64
	release <-chan struct{}
	started chan struct{}
	conn    net.Conn // the request's connection, set before the body is read
}

func (b *heldBody) Read(p []byte) (int, error) {
	if b.left == 1 {
		waitRead(b.conn)
		close(b.started)
		<-b.release
	} else if b.left > 1 && int64(len(p)) >= b.left {
		p = p[:b.left-1]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// waitRead waits until the peer of conn, a TCP connection on this
// machine, has read everything written to conn: until no byte is queued
// on either side, as /proc/net/tcp shows. The kernel's buffers hold
// megabytes, so that the bytes are written says nothing of whether the
// peer has read them.
func waitRead(conn net.Conn) {
	local, remote := conn.LocalAddr().(*net.TCPAddr), conn.RemoteAddr().(*net.TCPAddr)
	// The client's socket, then the gateway's, as /proc/net/tcp names
	// them (IPv4 loopback: 0100007F).
	mine := fmt.Sprintf("0100007F:%04X 0100007F:%04X", local.Port, remote.Port)
	peer := fmt.Sprintf("0100007F:%04X 0100007F:%04X", remote.Port, local.Port)
	for {
		p, err := os.ReadFile("/proc/net/tcp")
		if err != nil {
			panic(err)
		}
		queued := false
		for line := range strings.Lines(string(p)) {
			f := strings.Fields(line)
			if len(f) < 5 || (f[1]+" "+f[2] != mine && f[1]+" "+f[2] != peer) {
				continue
			}
			queued = queued || f[4] != "00000000:00000000"
		}
		if !queued {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (b *heldBody) Close() error { return b.r.Close() }

// A cancellation while a part is in flight does not abort the upload
// under it: Upload waits for the part's answer, then aborts, so that no
// part ends after the abort and brings the upload back.
func TestAbortAfterPartsInFlight(t *testing.T) {
	h := &holdPart{nth: 2}
	c := holdingClient(t, h)
	b := newBucket(t)
	ctx := h.cancelWhenStarted(t, true)
	key := "in-flight-waited"
	_, err := s3sink.Upload(ctx, c, b.input(key), data(13, 40*mib), &s3sink.UploadOptions{PartSize: 5 * mib, Concurrency: 2})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "(nothing written: multipart upload ") {
		t.Fatalf("Upload = %v, want context.Canceled, multipart upload aborted", err)
	}
	if log := h.log(); !slices.Equal(log, []string{"gateway answered the part: 200", "part answered", "abort sent"}) {
		t.Errorf("events %q; want the part in flight answered 200, then the abort", log)
	}
	b.noneLeft(t, key)
}

// A part that S3 goes on with after Upload has stopped waiting for it
// (here: after AbortTimeout) and that ends after the abort brings the
// upload back; Upload finds it with ListParts and aborts it again.
func TestAbortStraggler(t *testing.T) {
	h := &holdPart{nth: 2, detach: true, onAbort: true}
	c := holdingClient(t, h)
	b := newBucket(t)
	ctx := h.cancelWhenStarted(t, false)
	key := "straggler"
	start := time.Now()
	// One part at a time: no other part is in flight to slow the abort,
	// which the SDK would then retry after the straggler has ended.
	_, err := s3sink.Upload(ctx, c, b.input(key), data(14, 40*mib), &s3sink.UploadOptions{PartSize: 5 * mib, Concurrency: 1, AbortTimeout: time.Second})
	t.Logf("Upload returned after %v: %v", time.Since(start), err)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "(nothing written: multipart upload ") {
		t.Errorf("Upload = %v, want context.Canceled, multipart upload aborted", err)
	}
	if st := h.partStatus(); st != http.StatusOK {
		t.Errorf("the straggling part: answered %d, want 200 (the test's premise: it ends after the abort)", st)
	}
	if n := h.count("AbortMultipartUpload"); n < 2 {
		t.Errorf("%d AbortMultipartUpload requests, want a second one for the upload the straggler brought back", n)
	}
	t.Logf("events %q; requests: %d ListParts, %d AbortMultipartUpload", h.log(), h.count("ListParts"), h.count("AbortMultipartUpload"))
	b.noneLeft(t, key)
}
