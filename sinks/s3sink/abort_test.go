package s3sink_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sluice-go/sluice/sinks/s3sink"
)

// A part that S3 refuses fails the upload, which is aborted; the error is
// S3's.
func TestAbortFailedPart(t *testing.T) {
	c, ft := faultyClient(t, &fault{op: "UploadPart", nth: 3, code: "AccessDenied"})
	b := newBucket(t)
	key := "failed-part"
	_, err := s3sink.Upload(t.Context(), c, b.input(key), data(7, 30*mib), &s3sink.UploadOptions{PartSize: 5 * mib, Concurrency: 2})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("Upload = %v, want S3's AccessDenied", err)
	}
	want := "s3sink: upload to s3://" + b.name + "/" + key + ": failed after "
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "injected: UploadPart 3") ||
		!strings.Contains(err.Error(), "(nothing written: multipart upload ") {
		t.Errorf("Upload = %v\nwant %s… injected: UploadPart 3 … (nothing written: multipart upload … aborted)", err, want)
	}
	t.Log(err)
	if n := ft.count("AbortMultipartUpload"); n != 1 {
		t.Errorf("%d AbortMultipartUpload requests, want 1", n)
	}
	b.noneLeft(t, key)
}

// Requests that fail now and then, with errors the client's retryer
// retries, are retried: the upload completes, byte for byte. (One part at
// a time, so that a part's attempts are consecutive requests, of which
// no three fail.)
func TestUploadRetried(t *testing.T) {
	c, ft := faultyClient(t,
		&fault{op: "UploadPart", every: 3, reset: true},
		&fault{op: "UploadPart", nth: 4, code: "SlowDown"},
		&fault{op: "UploadPart", nth: 8, code: "InternalError"},
		&fault{op: "CreateMultipartUpload", nth: 1, code: "InternalError"},
		&fault{op: "CompleteMultipartUpload", nth: 1, reset: true},
	)
	b := newBucket(t)
	const size = 30*mib + 1
	key := "retried"
	res, err := s3sink.Upload(t.Context(), c, b.input(key), data(12, size, 777777), &s3sink.UploadOptions{PartSize: 5 * mib, Concurrency: 1})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if res.Size != size || res.Parts != 7 {
		t.Errorf("Upload = %+v, want %d bytes in 7 parts", res, size)
	}
	if n := ft.count("UploadPart"); n < 10 {
		t.Errorf("%d UploadPart requests, want retries", n)
	}
	if n, sum := b.object(t, key); n != size || sum != digest(12, size) {
		t.Errorf("object %s: %d bytes, sha256 %x; want %d bytes, sha256 %x", key, n, sum, size, digest(12, size))
	}
	if ids := b.uploads(t); len(ids) > 0 {
		t.Errorf("multipart uploads left behind: %q", ids)
	}
}

// A part whose retries all fail (a 500 each time) fails the upload too.
func TestAbortRetriesExhausted(t *testing.T) {
	c, ft := faultyClient(t, &fault{op: "UploadPart", code: "InternalError"})
	b := newBucket(t)
	key := "retries"
	_, err := s3sink.Upload(t.Context(), c, b.input(key), data(7, 12*mib), &s3sink.UploadOptions{PartSize: 5 * mib, Concurrency: 1})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InternalError" {
		t.Fatalf("Upload = %v, want S3's InternalError", err)
	}
	t.Log(err)
	if n := ft.count("UploadPart"); n < 3 {
		t.Errorf("%d UploadPart requests, want the SDK's retries (3 attempts or more)", n)
	}
	b.noneLeft(t, key)
}

// Cancelling ctx while a part is being sent aborts the upload, with a
// context that is not the canceled one, once the part has ended or, as
// here, where S3 never answers it, after AbortTimeout.
func TestAbortCancelledInFlight(t *testing.T) {
	hang := &fault{op: "UploadPart", nth: 2, started: make(chan struct{})}
	c, _ := faultyClient(t, hang)
	b := newBucket(t)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-hang.started
		cancel()
	}()
	key := "in-flight"
	_, err := s3sink.Upload(ctx, c, b.input(key), data(8, 40*mib), &s3sink.UploadOptions{PartSize: 5 * mib, Concurrency: 2, AbortTimeout: time.Second})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "(nothing written: multipart upload ") {
		t.Fatalf("Upload = %v, want context.Canceled, multipart upload aborted", err)
	}
	t.Log(err)
	b.noneLeft(t, key)
}

// When the transfer manager's abort fails, Upload aborts the upload
// itself.
func TestAbortRetried(t *testing.T) {
	c, ft := faultyClient(t, &fault{op: "AbortMultipartUpload", nth: 1, code: "AccessDenied"})
	b := newBucket(t)
	key := "abort-retried"
	boom := errors.New("boom")
	_, err := s3sink.Upload(t.Context(), c, b.input(key), failAfter(9, 12*mib, boom), &s3sink.UploadOptions{PartSize: 5 * mib})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "(nothing written: multipart upload ") {
		t.Fatalf("Upload = %v, want boom, multipart upload aborted", err)
	}
	if n := ft.count("AbortMultipartUpload"); n != 2 {
		t.Errorf("%d AbortMultipartUpload requests, want 2", n)
	}
	b.noneLeft(t, key)
}

// When no abort succeeds, the error says so and names the upload.
func TestAbortFails(t *testing.T) {
	c, _ := faultyClient(t, &fault{op: "AbortMultipartUpload", code: "AccessDenied"})
	b := newBucket(t)
	key := "abort-fails"
	boom := errors.New("boom")
	_, err := s3sink.Upload(t.Context(), c, b.input(key), failAfter(9, 12*mib, boom), &s3sink.UploadOptions{PartSize: 5 * mib})
	id := b.leftUpload(t, key, "the one that could not be aborted")
	var ae smithy.APIError
	if !errors.Is(err, boom) || !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" ||
		!strings.Contains(err.Error(), "(multipart upload "+id+" left behind, could not be aborted: ") {
		t.Errorf("Upload = %v\nwant boom, and the upload %s left behind with the abort's AccessDenied", err, id)
	}
	b.abort(t, key, id)
	b.noneLeft(t, key)
}

// A failed CompleteMultipartUpload leaves no upload behind.
func TestAbortFailedComplete(t *testing.T) {
	c, _ := faultyClient(t, &fault{op: "CompleteMultipartUpload", code: "AccessDenied"})
	b := newBucket(t)
	key := "complete"
	_, err := s3sink.Upload(t.Context(), c, b.input(key), data(10, 12*mib), &s3sink.UploadOptions{PartSize: 5 * mib})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("Upload = %v, want S3's AccessDenied", err)
	}
	b.noneLeft(t, key)
}

// A panic of the source aborts the upload, and Upload panics with the
// same value.
func TestAbortPanic(t *testing.T) {
	b := newBucket(t)
	key := "panic"
	chunks := func(yield func([]byte, error) bool) {
		for c := range data(11, 12*mib) {
			if !yield(c, nil) {
				return
			}
		}
		panic("source panicked")
	}
	func() {
		defer func() {
			if v := recover(); v != "source panicked" {
				t.Errorf("Upload panicked with %v, want the source's value", v)
			}
		}()
		s3sink.Upload(t.Context(), b.c, b.input(key), chunks, &s3sink.UploadOptions{PartSize: 5 * mib})
		t.Error("Upload returned")
	}()
	b.noneLeft(t, key)

	// And so does one of a reader.
	func() {
		defer func() {
			if v := recover(); v != "reader panicked" {
				t.Errorf("UploadReader panicked with %v, want the reader's value", v)
			}
		}()
		s3sink.UploadReader(t.Context(), b.c, b.input(key), &panicReader{r: reader(11, 12*mib)}, &s3sink.UploadOptions{PartSize: 5 * mib})
		t.Error("UploadReader returned")
	}()
	b.noneLeft(t, key)
}

// panicReader panics at the end of r.
type panicReader struct {
	r interface{ Read([]byte) (int, error) }
}

func (p *panicReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if err != nil {
		panic("reader panicked")
	}
	return n, nil
}

// createCut is a client whose CreateMultipartUpload reaches S3 and then
// has its caller's context canceled before the answer is read, as when a
// cancellation lands while the request is in flight: the SDK would then
// return the context's error, and the upload S3 created would be lost.
type createCut struct {
	s3sink.Client
	cancel context.CancelFunc
}

func (c *createCut) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	out, err := c.Client.CreateMultipartUpload(context.WithoutCancel(ctx), in, opts...)
	c.cancel()
	if ctx.Err() != nil {
		return nil, ctx.Err() // what the SDK returns for a request cut short
	}
	return out, err
}

// A cancellation that lands while CreateMultipartUpload is in flight does
// not leave the upload S3 created behind: the request is not cut short,
// so its ID is known, and the upload is aborted.
func TestAbortCancelDuringCreate(t *testing.T) {
	b := newBucket(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	c := &createCut{Client: b.c, cancel: cancel}
	key := "cut-create"
	_, err := s3sink.Upload(ctx, c, b.input(key), data(11, 12*mib), &s3sink.UploadOptions{PartSize: 5 * mib})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Upload = %v, want context.Canceled", err)
	}
	t.Log(err)
	b.noneLeft(t, key)
}

// When ListParts cannot tell whether the aborted upload is gone, the error
// says so and names the upload.
func TestAbortUnconfirmed(t *testing.T) {
	c, ft := faultyClient(t, &fault{op: "ListParts", code: "AccessDenied"})
	b := newBucket(t)
	key := "unconfirmed"
	boom := errors.New("boom")
	_, err := s3sink.Upload(t.Context(), c, b.input(key), failAfter(9, 12*mib, boom), &s3sink.UploadOptions{PartSize: 5 * mib})
	var ae smithy.APIError
	if !errors.Is(err, boom) || !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" ||
		!strings.Contains(err.Error(), " left behind, aborted, but ListParts could not confirm that it is gone: ") {
		t.Errorf("Upload = %v\nwant boom, and the upload left behind, not confirmed gone, with ListParts' AccessDenied", err)
	}
	if n := ft.count("AbortMultipartUpload"); n != 1 {
		t.Errorf("%d AbortMultipartUpload requests, want 1", n)
	}
	b.noneLeft(t, key) // it was aborted, all the same
}

// An upload that every abort leaves in place (a server that answers the
// abort, and does not abort) is reported left behind when AbortTimeout
// ends, with the number of aborts sent.
func TestAbortStillThere(t *testing.T) {
	c, ft := faultyClient(t, &fault{op: "AbortMultipartUpload", ok: true})
	b := newBucket(t)
	key := "still-there"
	boom := errors.New("boom")
	_, err := s3sink.Upload(t.Context(), c, b.input(key), failAfter(9, 12*mib, boom), &s3sink.UploadOptions{PartSize: 5 * mib, AbortTimeout: time.Second})
	id := b.leftUpload(t, key, "the one the aborts did not abort")
	aborts := ft.count("AbortMultipartUpload")
	want := fmt.Sprintf("(multipart upload %s left behind, still there after %d aborts)", id, aborts-1)
	if !errors.Is(err, boom) || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("Upload = %v\nwant boom, and …%s", err, want)
	}
	if aborts < 3 || ft.count("ListParts") < aborts-1 {
		t.Errorf("%d AbortMultipartUpload and %d ListParts requests; want aborts again after each ListParts", aborts, ft.count("ListParts"))
	}
	b.abort(t, key, id)
	b.noneLeft(t, key)
}
