package s3sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/sinkrun"
)

const (
	minPartSize         = 5 << 20 // S3's minimum, for every part but the last
	maxPartSize         = 5 << 30 // S3's maximum
	defaultPartSize     = 8 << 20
	defaultConcurrency  = 5
	defaultAbortTimeout = 30 * time.Second
)

var (
	errNilClient = errors.New("s3sink: nil Client")
	errNilChunks = errors.New("s3sink: Upload of a nil iterator")
	errNilReader = errors.New("s3sink: UploadReader of a nil io.Reader")
)

// UploadOptions are the options of [Upload] and [UploadReader]. A nil
// *UploadOptions means the defaults.
type UploadOptions struct {
	// PartSize is the size of each part of a multipart upload, in bytes:
	// at least 5 MiB, S3's minimum, and at most 5 GiB. Zero means 8 MiB.
	// An object smaller than PartSize is put in a single request.
	//
	// S3 allows 10000 parts, so an object of unknown size can be at most
	// 10000 × PartSize bytes (78 GiB by default); the upload fails when
	// the source goes beyond. When the input's ContentLength gives the
	// size, the parts are made as large as the size needs.
	PartSize int64

	// Concurrency is the most parts uploaded at once. Zero means 5.
	//
	// The upload holds about Concurrency+2 parts in memory: Concurrency
	// being sent, one being filled from the source, and the first part,
	// which is read before the upload knows whether it is multipart.
	Concurrency int

	// AbortTimeout bounds each step of the end of a multipart upload that
	// failed or was canceled (see the package documentation): the wait
	// for the part requests in flight once ctx is done, the abort, and
	// the confirmation that the upload is gone, which run with a context
	// that is not canceled (ctx's values, not its cancellation or
	// deadline), so that a canceled upload is still aborted. Zero means
	// 30 seconds.
	AbortTimeout time.Duration
}

// config is the resolved UploadOptions.
type config struct {
	partSize     int64
	concurrency  int
	abortTimeout time.Duration
}

func (o *UploadOptions) resolve(field string) (config, error) {
	c := config{partSize: defaultPartSize, concurrency: defaultConcurrency, abortTimeout: defaultAbortTimeout}
	if o == nil {
		return c, nil
	}
	switch {
	case o.PartSize != 0 && o.PartSize < minPartSize:
		return c, fmt.Errorf("s3sink: %s.PartSize is %d, want at least 5 MiB (%d), S3's minimum", field, o.PartSize, minPartSize)
	case o.PartSize > maxPartSize:
		return c, fmt.Errorf("s3sink: %s.PartSize is %d, want at most 5 GiB (%d), S3's maximum", field, o.PartSize, int64(maxPartSize))
	case o.Concurrency < 0:
		return c, fmt.Errorf("s3sink: %s.Concurrency is %d, want 0 or more", field, o.Concurrency)
	case o.AbortTimeout < 0:
		return c, fmt.Errorf("s3sink: %s.AbortTimeout is %v, want 0 or more", field, o.AbortTimeout)
	}
	if o.PartSize != 0 {
		c.partSize = o.PartSize
	}
	if o.Concurrency != 0 {
		c.concurrency = o.Concurrency
	}
	if o.AbortTimeout != 0 {
		c.abortTimeout = o.AbortTimeout
	}
	return c, nil
}

// UploadResult describes an object that [Upload] or [UploadReader] wrote.
type UploadResult struct {
	// Size is the size of the object, in bytes.
	Size int64

	// Parts is the number of parts of the multipart upload, or 0 when the
	// object, smaller than a part, was put in a single request.
	Parts int

	// ETag and VersionID are the object's, as S3 answered (VersionID is
	// "" in a bucket without versioning).
	ETag      string
	VersionID string
}

// Upload writes the bytes of chunks, in order, as the object that in
// describes, and returns what it wrote. in gives the Bucket, the Key and
// the object's other attributes (ContentType, Metadata, …); its Body must
// be nil, and the checksums of the whole object unset (see the package
// documentation). in.ContentLength, if set, is the size the chunks must
// add up to.
//
// An object of at least opts.PartSize bytes is a multipart upload of
// parts of that size, up to opts.Concurrency of them sent at once, while
// the next part is read from chunks; a smaller one is put in a single
// request. The object appears only when all of it is written: when chunks
// fails, when ctx is done or when a request fails (after the client's
// retries), Upload aborts the multipart upload, so that no part is left
// behind, and returns an error saying how far it read; no object is
// written. When ctx is done the error matches ctx.Err() with errors.Is.
//
// Upload pulls chunks through a coroutine (iter.Pull2), a chunk at a time
// as the parts fill, in the calling goroutine's turn; it copies the bytes
// of each chunk into a part before it asks for the next, so it keeps no
// chunk after chunks' yield has returned, and the source may reuse a
// chunk's memory. Empty chunks are skipped. It checks ctx between chunks;
// a source that waits must itself stop when ctx is done (as the sources
// of this module do). A panic of chunks aborts the upload, and Upload
// panics with the same value.
func Upload(ctx context.Context, client Client, in *s3.PutObjectInput, chunks iter.Seq2[[]byte, error], opts *UploadOptions) (UploadResult, error) {
	if chunks == nil {
		return UploadResult{}, errNilChunks
	}
	tin, cfg, err := checkUpload(client, in, opts)
	if err != nil {
		return UploadResult{}, err
	}
	b := newBody(ctx, contentLength(in))
	b.chunks(chunks)
	res, err := upload(ctx, client, tin, b, cfg, "source")
	if err != nil {
		return res, fmt.Errorf("s3sink: upload to %s: %w", target(in), err)
	}
	return res, nil
}

// UploadReader is [Upload] of the bytes of r, read until io.EOF. It
// checks ctx between reads, but cannot interrupt a Read that waits. A
// panic of r's Read aborts the upload, and UploadReader panics with the
// same value. It does not close r.
func UploadReader(ctx context.Context, client Client, in *s3.PutObjectInput, r io.Reader, opts *UploadOptions) (UploadResult, error) {
	if r == nil {
		return UploadResult{}, errNilReader
	}
	tin, cfg, err := checkUpload(client, in, opts)
	if err != nil {
		return UploadResult{}, err
	}
	b := newBody(ctx, contentLength(in))
	b.r = r
	res, err := upload(ctx, client, tin, b, cfg, "reader")
	if err != nil {
		return res, fmt.Errorf("s3sink: upload to %s: %w", target(in), err)
	}
	return res, nil
}

func checkUpload(client Client, in *s3.PutObjectInput, opts *UploadOptions) (*transfermanager.UploadObjectInput, config, error) {
	if sinkrun.IsNil(client) {
		return nil, config{}, errNilClient
	}
	tin, err := uploadInput(in)
	if err != nil {
		return nil, config{}, err
	}
	cfg, err := opts.resolve("UploadOptions")
	return tin, cfg, err
}

func contentLength(in *s3.PutObjectInput) int64 {
	if in.ContentLength == nil {
		return -1
	}
	return *in.ContentLength
}

// target names an upload's object in messages.
func target(in *s3.PutObjectInput) string {
	return "s3://" + aws.ToString(in.Bucket) + "/" + aws.ToString(in.Key)
}

// upload writes b as the object of in with the transfer manager, and
// makes sure that a multipart upload it started has ended, completed or
// aborted, when it returns. Its error says why it failed and what became
// of the multipart upload, without the "s3sink: upload to …" that its
// callers add. noun names b's source in the error.
func upload(ctx context.Context, client Client, in *transfermanager.UploadObjectInput, b *body, cfg config, noun string) (UploadResult, error) {
	defer b.close()
	t := &tracker{Client: client, timeout: cfg.abortTimeout}
	in.Body = b
	tm := transfermanager.New(t, func(o *transfermanager.Options) {
		o.PartSizeBytes = cfg.partSize
		// Smaller than a part: a single PutObject of what was read.
		o.MultipartUploadThreshold = cfg.partSize
		o.Concurrency = cfg.concurrency
		// Its own abort runs with a fresh context for this long, rather
		// than with ctx, which may be the reason for the abort.
		o.FailTimeout = cfg.abortTimeout
	})
	out, err := tm.UploadObject(ctx, in)
	if err == nil && !b.failed() {
		return UploadResult{
			Size:      b.n,
			Parts:     len(out.CompletedParts),
			ETag:      aws.ToString(out.ETag),
			VersionID: aws.ToString(out.VersionID),
		}, nil
	}

	id, completed, _, _ := t.state()
	var leftErr error // why the multipart upload may be left behind
	if id != "" && !completed {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.abortTimeout)
		leftErr = t.abortAll(actx, in)
		cancel()
	}
	b.panic.Raise() // raised again here, its upload aborted

	var cause error
	switch {
	case sluice.ContextError(ctx) != nil:
		// A request's error after a cancellation is the cancellation's
		// doing.
		cause = fmt.Errorf("stopped after %d bytes: %w", b.n, sluice.ContextError(ctx))
	case b.srcErr != nil:
		cause = fmt.Errorf("%s failed after %d bytes: %w", noun, b.n, b.srcErr)
	default:
		var mue transfermanager.MultipartUploadError
		if errors.As(err, &mue) && errors.Unwrap(mue) != nil {
			err = errors.Unwrap(mue) // the cause, without the upload ID
		}
		cause = fmt.Errorf("failed after %d bytes: %w", b.n, err)
	}
	switch {
	case id == "":
		return UploadResult{}, fmt.Errorf("%w (nothing written)", cause)
	case completed:
		// Not seen: the transfer manager completes only an upload
		// that has read its body to the end without an error.
		return UploadResult{}, fmt.Errorf("%w (multipart upload %s completed nonetheless)", cause, id)
	case leftErr == nil:
		return UploadResult{}, fmt.Errorf("%w (nothing written: multipart upload %s aborted)", cause, id)
	default:
		return UploadResult{}, fmt.Errorf("%w (multipart upload %s left behind, %w)", cause, id, leftErr)
	}
}
