package s3list

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// list is one ListObjectsV2 request, made once Options.Limiter, if any,
// lets it go: every request of a listing (a page, a request of the
// concurrent listing, of the shard planner or of a shard's reader) is
// made by it.
func (l *listing) list(ctx context.Context, in *s3.ListObjectsV2Input) (*s3.ListObjectsV2Output, error) {
	if l.opts.Limiter != nil {
		if err := l.opts.Limiter.Wait(ctx); err != nil {
			return nil, err
		}
	}
	return l.client.ListObjectsV2(ctx, in, l.opts.ClientOptions...)
}
