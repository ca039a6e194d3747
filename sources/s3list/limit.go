package s3list

import "context"

// wait waits for Options.Limiter, if any, to let the next request go.
func (l *listing) wait(ctx context.Context) error {
	if l.opts.Limiter == nil {
		return nil
	}
	return l.opts.Limiter.Wait(ctx)
}
