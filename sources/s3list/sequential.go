package s3list

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-go/sluice"
)

// errNoToken ends a listing whose response says it is truncated but
// gives neither a continuation token nor an entry to continue after: it
// cannot be continued, and ending there would look complete.
var errNoToken = errors.New("s3list: a truncated page with no NextContinuationToken and no entry to continue after")

// pages lists one page at a time from the start, calling page for each
// with its entries up to l.skip removed, until the listing ends, page
// returns false, or a request fails. It returns the request's error,
// wrapped in a *ListError, or nil.
func (l *listing) pages(ctx context.Context, page func(*s3.ListObjectsV2Output) bool) error {
	in := l.in
	skip := l.skip
	for {
		after := aws.ToString(in.StartAfter)
		if in.ContinuationToken != nil {
			after = ""
		}
		if err := sluice.ContextError(ctx); err != nil {
			return l.fail(ctx, after, err)
		}
		out, err := l.list(ctx, &in)
		if err != nil {
			return l.fail(ctx, after, err)
		}
		if skip != "" {
			trim(out, skip)
		}
		if !page(out) {
			return nil
		}
		if !aws.ToBool(out.IsTruncated) {
			return nil
		}
		if tok := aws.ToString(out.NextContinuationToken); tok != "" {
			in.ContinuationToken = aws.String(tok)
			continue
		}
		// Truncated without a token: the SDK's paginator would end here,
		// silently. Continue after the last entry instead.
		last, isPrefix := lastEntry(out)
		if last == "" {
			return l.fail(ctx, after, errNoToken)
		}
		in.ContinuationToken = nil
		in.StartAfter = aws.String(last)
		if isPrefix {
			in.StartAfter = aws.String(afterPrefix(last))
		}
		skip = last
	}
}

// trim drops the entries of out up to skip, which S3 may return again
// after a StartAfter that skips a common prefix.
func trim(out *s3.ListObjectsV2Output, skip string) {
	i := 0
	for i < len(out.Contents) && aws.ToString(out.Contents[i].Key) <= skip {
		i++
	}
	out.Contents = out.Contents[i:]
	j := 0
	for j < len(out.CommonPrefixes) && aws.ToString(out.CommonPrefixes[j].Prefix) <= skip {
		j++
	}
	out.CommonPrefixes = out.CommonPrefixes[j:]
}

// lastEntry returns the greatest key or common prefix of out, and whether
// it is a prefix.
func lastEntry(out *s3.ListObjectsV2Output) (string, bool) {
	var key, prefix string
	if n := len(out.Contents); n > 0 {
		key = aws.ToString(out.Contents[n-1].Key)
	}
	if n := len(out.CommonPrefixes); n > 0 {
		prefix = aws.ToString(out.CommonPrefixes[n-1].Prefix)
	}
	if prefix > key {
		return prefix, true
	}
	return key, false
}

// objects yields the objects of the listing one page at a time.
func (l *listing) objects(ctx context.Context, yield func(*types.Object) bool) error {
	var ctxErr error
	err := l.pages(ctx, func(out *s3.ListObjectsV2Output) bool {
		for i := range out.Contents {
			if err := sluice.ContextError(ctx); err != nil {
				ctxErr = l.fail(ctx, lastKey(out.Contents[:i]), err)
				return false
			}
			if !yield(&out.Contents[i]) {
				return false
			}
		}
		return true
	})
	if ctxErr != nil {
		return ctxErr
	}
	return err
}

// entries yields the objects and common prefixes of the listing one page
// at a time, merged in key order.
func (l *listing) entries(ctx context.Context, yield func(Entry) bool) error {
	var ctxErr error
	last := ""
	err := l.pages(ctx, func(out *s3.ListObjectsV2Output) bool {
		return merge(out.Contents, out.CommonPrefixes, func(e Entry) bool {
			if err := sluice.ContextError(ctx); err != nil {
				ctxErr = l.fail(ctx, last, err)
				return false
			}
			last = e.Key()
			return yield(e)
		})
	})
	if ctxErr != nil {
		return ctxErr
	}
	return err
}

// lastKey returns the key of the last of objs, or "".
func lastKey(objs []types.Object) string {
	if len(objs) == 0 {
		return ""
	}
	return aws.ToString(objs[len(objs)-1].Key)
}
