package s3sink

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sluice-go/sluice"
)

// Client is what [Upload], [UploadReader] and [Objects.Write] need of S3:
// the requests of a single or multipart upload. *s3.Client satisfies it,
// and so does any wrapper of one.
type Client interface {
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	CreateMultipartUpload(context.Context, *s3.CreateMultipartUploadInput, ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(context.Context, *s3.UploadPartInput, ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(context.Context, *s3.CompleteMultipartUploadInput, ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

// errNotUpload is what the transfer manager gets if it ever asks an
// upload's client for more than an upload.
var errNotUpload = errors.New("s3sink: not a request of an upload")

// tracker is the client of one upload, as the transfer manager sees it
// (its S3APIClient, whose download requests an upload never makes). It
// records the multipart upload that CreateMultipartUpload started, and
// whether it has ended, completed or aborted, so that the upload can be
// aborted when the transfer manager has not: its own abort is skipped or
// fails in some paths (a panic, an abort that fails), and a multipart
// upload left behind is billed until someone aborts it.
type tracker struct {
	Client
	timeout time.Duration // the longest a CreateMultipartUpload may take once ctx is done

	mu        sync.Mutex
	uploadID  string // "" until a CreateMultipartUpload succeeded
	ended     bool   // completed or aborted
	completed bool   // by a CompleteMultipartUpload that succeeded
	abortErr  error  // the last abort's failure
}

// CreateMultipartUpload is sent with a context that ctx's cancellation
// does not cut short (bounded by t.timeout): a request cut after S3 has
// created the upload would lose its ID, and the upload would be left
// behind with nothing to abort it. When ctx is done by the time the
// answer comes, the upload is recorded, to be aborted, and ctx's error
// returned.
func (t *tracker) CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error) {
	if err := sluice.ContextError(ctx); err != nil {
		return nil, err // not sent
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.timeout)
	defer cancel()
	out, err := t.Client.CreateMultipartUpload(cctx, in, opts...)
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

func (t *tracker) CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error) {
	out, err := t.Client.CompleteMultipartUpload(ctx, in, opts...)
	if err == nil {
		t.mu.Lock()
		t.ended, t.completed = true, true
		t.mu.Unlock()
	}
	return out, err
}

func (t *tracker) AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error) {
	out, err := t.Client.AbortMultipartUpload(ctx, in, opts...)
	t.mu.Lock()
	if err == nil || isNoSuchUpload(err) {
		// NoSuchUpload: aborted before, or completed after all (a
		// CompleteMultipartUpload whose answer was lost).
		t.ended, t.abortErr = true, nil
	} else {
		t.abortErr = err
	}
	t.mu.Unlock()
	return out, err
}

// state returns the multipart upload started, if any, and whether it has
// ended.
func (t *tracker) state() (uploadID string, ended, completed bool, abortErr error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.uploadID, t.ended, t.completed, t.abortErr
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

// isNil reports whether c is nil or a nil pointer, such as a *s3.Client
// never made, on which the first request would panic.
func isNil(c Client) bool {
	if c == nil {
		return true
	}
	v := reflect.ValueOf(c)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
