package sqlrows

import (
	"context"

	"github.com/sluice-go/sluice"
)

func (o *KeysetOptions) limiter() sluice.Limiter {
	if o == nil {
		return nil
	}
	return o.Limiter
}

// wait waits for KeysetOptions.Limiter, if any, to let the next page's
// query go.
func (k *keyset[T]) wait(ctx context.Context) error {
	if k.limit == nil {
		return nil
	}
	return k.limit.Wait(ctx)
}
