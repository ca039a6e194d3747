package s3list

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Transient reports whether err, the error of a listing, is a failure
// that the same listing opened again a while later may get past: the
// classifier to give sluice.ResumeOptions.Transient, with a function
// that lists after a cursor:
//
//	open := func(ctx context.Context, after string) iter.Seq2[types.Object, error] {
//		return s3list.All(ctx, client, in, &s3list.Options{After: after})
//	}
//	cursor := func(o types.Object) string { return s3list.Entry{Object: &o}.Cursor() }
//	objs := sluice.Resume(ctx, open, cursor, &sluice.ResumeOptions{Transient: s3list.Transient})
//
// A failure is transient when the SDK's standard retryer would have
// retried it (retry.DefaultRetryables): throttling (SlowDown and the
// other throttling codes, 429), 500, 502, 503 and 504 responses,
// RequestTimeout, and connection errors (a reset, a refused or dropped
// connection, a timeout). A listing ends with one only when the SDK's own
// attempts for one request ran out (3 by default; see
// Options.ClientOptions): a wait of seconds, longer than the SDK's
// backoff, gives a throttled or restarting server the time the SDK did
// not. Not transient are the errors the SDK does not retry either
// (AccessDenied, NoSuchBucket, a bad request), a bad cursor
// (ErrBadCursor), invalid input and a canceled context.
func Transient(err error) bool {
	// A canceled context and a bad cursor need no test of their own: the
	// retryer's checks find nothing to retry in them (TestResumeTransient).
	return err != nil && retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}
