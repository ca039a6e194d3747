package watch

import (
	"context"
	"iter"

	"github.com/sluice-go/sluice"
)

// All returns an iterator over the changes under the directory root, which
// is watched recursively: every directory below it, and every directory
// created later, as soon as it appears. Nothing is watched until the
// iterator is ranged; each range watches afresh, from the moment its
// watches are in place. A watch never ends by itself: it ends when ctx is
// done, with an error matching ctx.Err(), when the loop breaks, or when
// it fails (root removed, an error of the kernel's watcher). It releases
// the watches on return.
//
// A root that does not exist yields an error wrapping fs.ErrNotExist; the
// watch limit reached while watching the tree, one wrapping ErrWatchLimit.
//
// A range cannot tell from its events when its watches are in place:
// Options.OnReady is called then, before the first event. Without it, a
// change made right after the range starts may or may not be reported;
// Stream returns only once the watches are in place.
func All(ctx context.Context, root string, opts *Options) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		if err := sluice.ContextError(ctx); err != nil {
			yield(Event{}, err)
			return
		}
		w, err := open(root, opts)
		if err != nil {
			yield(Event{}, err)
			return
		}
		opts.ready()
		w.run(ctx, yield)
	}
}

// Stream watches root as All does, and sends the events on a channel. The
// watches are in place when Stream returns: every change after that is
// reported. If they cannot be placed (see All), or opts are invalid, the
// channel is closed before Stream returns and stop reports the error. stop
// ends the watch, waits for its goroutine and returns the terminal error
// (see the package documentation of sluice): nil when the caller stopped
// it.
func Stream(ctx context.Context, root string, opts *Options) (<-chan Event, func() error) {
	w, err := open(root, opts)
	if err != nil {
		return sluice.FailedStream[Event](err)
	}
	opts.ready()
	return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[Event, error] {
		return func(yield func(Event, error) bool) { w.run(ctx, yield) }
	}, opts.streamOptions())
}
