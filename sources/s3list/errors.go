package s3list

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sluice-go/sluice/internal/cancel"
)

var (
	// ErrBadCursor is wrapped by the error of a listing whose
	// Options.After is not a cursor the listing could have given: one
	// that is not "v1:" followed by a key (a bare key among them, as
	// cursors were before v1), a key outside the input's Prefix, one that
	// is not UTF-8, or, in a listing with a Delimiter, a key inside a
	// common prefix. The error says which cursor and why:
	//
	//	s3list: bad cursor "v1:data/1": outside the listing's prefix "logs/"
	//
	// A bad cursor is an error, never a listing from the start.
	ErrBadCursor = errors.New("s3list: bad cursor")

	errNilClient = errors.New("s3list: nil client")
	errNilInput  = errors.New("s3list: nil *s3.ListObjectsV2Input")
	errNoBucket  = errors.New("s3list: ListObjectsV2Input.Bucket is empty: name the bucket to list")
)

// A ListError is the error of a listing that failed: a request the SDK
// gave up on (after its retries), a canceled context, or a response that
// cannot be continued. Unwrap gives the SDK's error, so errors.As finds a
// smithy.APIError (and its code) or a *types.NoSuchBucket, and a canceled
// context's error, so errors.Is(err, context.Canceled) holds.
type ListError struct {
	Bucket string
	Prefix string

	// After is where the failed request started: the key (or common
	// prefix) after which it listed, or "" for the start of the listing
	// or a request that continued a page by its continuation token.
	After string

	Err error
}

func (e *ListError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "s3list: listing s3://%s/%s", e.Bucket, e.Prefix)
	if e.After != "" {
		fmt.Fprintf(&b, " after %q", e.After)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ListError) Unwrap() error { return e.Err }

// fail wraps err, the failure of a request starting after after,
// preferring ctx's error when ctx is done: the SDK's error for a request
// cut short by a cancellation ("operation error S3: ListObjectsV2,
// canceled") says less than context.Cause.
func (l *listing) fail(ctx context.Context, after string, err error) error {
	return &ListError{Bucket: l.bucket, Prefix: l.prefix, After: after, Err: cancel.Prefer(ctx, err)}
}

var errStuck = errors.New("s3list: internal error: the concurrent listing has nothing in flight and nothing to yield")
