package s3sink

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sluice-go/sluice"
)

// Client is what [Upload], [UploadReader] and [Objects.Write] need of S3:
// the requests of a single or multipart upload, and ListParts, with which
// an upload that failed confirms that its multipart upload is gone after
// the abort. *s3.Client satisfies it, and so does any wrapper of one.
type Client interface {
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	CreateMultipartUpload(context.Context, *s3.CreateMultipartUploadInput, ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(context.Context, *s3.UploadPartInput, ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(context.Context, *s3.CompleteMultipartUploadInput, ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
	ListParts(context.Context, *s3.ListPartsInput, ...func(*s3.Options)) (*s3.ListPartsOutput, error)
}

// errNotUpload is what the transfer manager gets if it ever asks an
// upload's client for more than an upload.
var errNotUpload = errors.New("s3sink: not a request of an upload")

// tracker is the client of one upload, as the transfer manager sees it
// (its S3APIClient, whose download requests an upload never makes). It
// records the multipart upload that CreateMultipartUpload started, and
// whether it has completed or been aborted, so that the upload can be
// aborted when the transfer manager has not: its own abort is skipped or
// fails in some paths (a panic, an abort that fails), and a multipart
// upload left behind is billed until someone aborts it.
//
// It also keeps a cancellation from cutting short the requests whose
// answer says what S3 has done (issue 17): a CreateMultipartUpload, whose
// answer carries the ID to abort, and an UploadPart, which S3 may go on
// with after its client has given up, and end after the abort, bringing
// the upload back. Both run with a context that outlives ctx by at most
// timeout; parts not yet sent when ctx is done are not sent.
type tracker struct {
	Client
	timeout time.Duration

	mu        sync.Mutex
	uploadID  string // "" until a CreateMultipartUpload succeeded
	completed bool   // by a CompleteMultipartUpload that succeeded
	aborted   bool   // the last abort succeeded (or found the upload gone)
	cut       int    // part requests given up on, unanswered, at timeout
}

// outlive returns a context with ctx's values that is not canceled with
// ctx, but timeout after ctx is done (with cause errOutlived), and the
// function that releases it.
func outlive(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	octx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	var (
		mu    sync.Mutex
		ended bool
		timer *time.Timer
	)
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !ended {
			timer = time.AfterFunc(timeout, func() { cancel(errOutlived) })
		}
	})
	return octx, func() {
		stop()
		mu.Lock()
		ended = true
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel(context.Canceled)
	}
}

// errOutlived is the cause of an outliving context's end.
var errOutlived = errors.New("s3sink: the request outlived its context by the AbortTimeout")

// CreateMultipartUpload is sent with a context that ctx's cancellation
// does not cut short: a request cut after S3 has created the upload would
// lose its ID, and the upload would be left behind with nothing to abort
// it. When ctx is done by the time the answer comes, the upload is
// recorded, to be aborted, and ctx's error returned.
func (t *tracker) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	if err := sluice.ContextError(ctx); err != nil {
		return nil, err // not sent
	}
	octx, cancel := outlive(ctx, t.timeout)
	defer cancel()
	out, err := t.Client.CreateMultipartUpload(octx, in, opts...)
	if err == nil && out != nil && out.UploadId != nil {
		t.mu.Lock()
		t.uploadID = *out.UploadId
		t.mu.Unlock()
	}
	if cerr := sluice.ContextError(ctx); cerr != nil {
		return nil, cerr
	}
	return out, err
}

// UploadPart sends a part with a context that ctx's cancellation does not
// cut short, so that the transfer manager, which waits for its part
// requests before it aborts, aborts only once S3 has answered each of
// them. A part not yet sent when ctx is done is not sent.
func (t *tracker) UploadPart(ctx context.Context, in *s3.UploadPartInput, opts ...func(*s3.Options)) (*s3.UploadPartOutput, error) {
	if err := sluice.ContextError(ctx); err != nil {
		return nil, err // not sent
	}
	octx, cancel := outlive(ctx, t.timeout)
	defer cancel()
	out, err := t.Client.UploadPart(octx, in, opts...)
	if cerr := sluice.ContextError(ctx); cerr != nil {
		if errors.Is(context.Cause(octx), errOutlived) {
			t.mu.Lock()
			t.cut++
			t.mu.Unlock()
		}
		return nil, cerr
	}
	return out, err
}

func (t *tracker) CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	out, err := t.Client.CompleteMultipartUpload(ctx, in, opts...)
	if err == nil {
		t.mu.Lock()
		t.completed = true
		t.mu.Unlock()
	}
	return out, err
}

func (t *tracker) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	out, err := t.Client.AbortMultipartUpload(ctx, in, opts...)
	t.mu.Lock()
	// NoSuchUpload: aborted before, or completed after all (a
	// CompleteMultipartUpload whose answer was lost).
	t.aborted = err == nil || isNoSuchUpload(err)
	t.mu.Unlock()
	return out, err
}

// state returns the multipart upload started, if any, what became of it,
// and how many of its part requests were given up on unanswered.
func (t *tracker) state() (uploadID string, completed, aborted bool, cut int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.uploadID, t.completed, t.aborted, t.cut
}

func (t *tracker) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return nil, errNotUpload
}

func (t *tracker) HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	return nil, errNotUpload
}

func (t *tracker) ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return nil, errNotUpload
}

func isNoSuchUpload(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload"
}
