package s3list

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// wait waits for Options.Limiter, if any, to let the next request go.
func (l *listing) wait(ctx context.Context) error {
	if l.opts.Limiter == nil {
		return nil
	}
	return l.opts.Limiter.Wait(ctx)
}

// list is one ListObjectsV2 request of the shard planner or a shard's
// reader, made once Options.Limiter lets it go, as every request of a
// listing is.
func (l *listing) list(ctx context.Context, in *s3.ListObjectsV2Input) (*s3.ListObjectsV2Output, error) {
	if err := l.wait(ctx); err != nil {
		return nil, err
	}
	return l.client.ListObjectsV2(ctx, in, l.opts.ClientOptions...)
}
