// Package cancel holds what every source does to honour cancellation the
// same way: prefer the context's error to the error of a call it cut
// short, and interrupt a call blocked in an API that takes no context.
//
// It imports only the standard library and the root package.
package cancel

import (
	"context"

	"github.com/sluice-go/sluice"
)

// Prefer returns [sluice.ContextError](ctx) when ctx is done and err
// otherwise. A call cut short by a cancellation fails with its own error
// ("conn closed", "operation error S3: ListObjectsV2, canceled", "i/o
// timeout"); the stream must end with the cancellation, which says more
// and which errors.Is(err, ctx.Err()) recognises. A nil err stays nil.
func Prefer(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := sluice.ContextError(ctx); cerr != nil {
		return cerr
	}
	return err
}

// Interrupt arranges for interrupt to be called, once, in a goroutine of
// its own, when ctx is done: it is how a source reaches a call blocked in
// an API that takes no context (a Read on a pipe, a read of rows whose
// query had another context), by setting a deadline in the past or closing
// what the call reads. interrupt returns a function that undoes what it
// did (clears the deadline), or nil.
//
// The returned release must be called once the blocked call has returned
// and before what it read is used again or released: it stops the
// arrangement, or, if interrupt has already been called, waits for it to
// return and then calls its undo, so no goroutine outlives the call and
// nothing stays interrupted.
func Interrupt(ctx context.Context, interrupt func() (undo func())) (release func()) {
	if ctx.Done() == nil {
		return func() {}
	}
	fired := make(chan struct{})
	var undo func()
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		undo = interrupt()
	})
	return func() {
		if stop() {
			return // ctx was not done: nothing was touched
		}
		<-fired
		if undo != nil {
			undo()
		}
	}
}
