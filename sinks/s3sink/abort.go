package s3sink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// How long abortAll waits before it looks again at an upload that an
// abort did not make go away, at first and at most.
const (
	recheckFirst = 50 * time.Millisecond
	recheckMax   = time.Second
)

// errAbortFailed marks an abortAll error that is the abort's own failure.
var errAbortFailed = errors.New("could not be aborted")

// abortAll makes sure that the multipart upload t started, which has not
// completed, is gone. It aborts it, unless an abort has succeeded
// already, then asks S3 with ListParts whether it is gone; while it is
// not, it aborts again. S3 documents why one abort is not always enough:
// a part upload in progress when the abort arrives may still succeed,
// and bring the upload back (issue 17). The transfer manager aborts only
// once every part request has been answered, so one ListParts settles it,
// unless a part was given up on unanswered at the AbortTimeout (t.cut):
// S3 may still end that one at any time, so abortAll looks again, and
// aborts again, until ctx is done.
//
// It returns nil when the upload is gone, or else why it may be left
// behind. ctx bounds all of it.
func (t *tracker) abortAll(ctx context.Context, in *transfermanager.UploadObjectInput) error {
	id, _, aborted, cut := t.state()
	abort := &s3.AbortMultipartUploadInput{
		Bucket:              in.Bucket,
		Key:                 in.Key,
		UploadId:            aws.String(id),
		ExpectedBucketOwner: in.ExpectedBucketOwner,
		RequestPayer:        s3types.RequestPayer(in.RequestPayer),
	}
	list := &s3.ListPartsInput{
		Bucket:               in.Bucket,
		Key:                  in.Key,
		UploadId:             aws.String(id),
		MaxParts:             aws.Int32(1),
		ExpectedBucketOwner:  in.ExpectedBucketOwner,
		RequestPayer:         s3types.RequestPayer(in.RequestPayer),
		SSECustomerAlgorithm: in.SSECustomerAlgorithm,
		SSECustomerKey:       in.SSECustomerKey,
		SSECustomerKeyMD5:    in.SSECustomerKeyMD5,
	}
	confirmed := false // ListParts has found it gone once
	aborts := 0
	for wait := recheckFirst; ; wait = min(2*wait, recheckMax) {
		if !aborted {
			aborts++
			if _, err := t.AbortMultipartUpload(ctx, abort); err != nil && !isNoSuchUpload(err) {
				if confirmed && ctx.Err() != nil {
					return nil // gone, as far as the time allowed to look
				}
				return fmt.Errorf("%w: %w", errAbortFailed, err)
			}
		}
		_, err := t.Client.ListParts(ctx, list)
		switch {
		case isNoSuchUpload(err):
			if cut == 0 {
				return nil
			}
			confirmed, aborted = true, true
		case err != nil && confirmed && ctx.Err() != nil:
			return nil
		case err != nil:
			return fmt.Errorf("aborted, but ListParts could not confirm that it is gone: %w", err)
		default:
			aborted = false // back, or never gone: abort it again
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			if !aborted {
				return fmt.Errorf("still there after %d aborts", aborts)
			}
			return nil // confirmed gone, and no sign of it since
		}
	}
}
