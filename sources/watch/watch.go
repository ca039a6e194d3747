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
// done, with an error matching ctx.Err(), when the loop breaks, when
// Options.Filter ends it, or when it fails (root removed, an error of the
// kernel's watcher). It releases the watches on return.
//
// An empty root or invalid opts are reported when All is called: the
// iterator yields that error as its only pair. A root that does not exist
// yields an error wrapping fs.ErrNotExist; the watch limit reached while
// watching the tree, one wrapping ErrWatchLimit.
//
// A range cannot tell from its events when its watches are in place:
// Options.OnReady is called then, before the first event. Without it, a
// change made right after the range starts may or may not be reported;
// Stream returns only once the watches are in place.
func All(ctx context.Context, root string, opts *Options) iter.Seq2[Event, error] {
	if err := check(root, opts); err != nil {
		return sluice.Fail[Event](err)
	}
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

// Stream watches root as All does, and sends the events on a channel, as
// sopts say (nil means an unbuffered channel). The watches are in place
// when Stream returns: every change after that is reported. An empty
// root, invalid opts or invalid sopts are reported before any watch is
// placed: the channel is closed when Stream returns and stop returns the
// error. If the watches cannot be placed (see All), the channel is closed
// and stop returns why. stop ends the watch, waits for its goroutine and
// returns the terminal error (see the package documentation of sluice):
// nil when the caller stopped it.
func Stream(ctx context.Context, root string, opts *Options, sopts *sluice.StreamOptions) (<-chan Event, func() error) {
	if err := check(root, opts); err != nil {
		return sluice.FailedStream[Event](err)
	}
	if err := sopts.Check(); err != nil {
		return sluice.FailedStream[Event](err) // before anything is watched
	}
	w, err := open(root, opts)
	if err != nil {
		return sluice.FailedStream[Event](err)
	}
	opts.ready()
	return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[Event, error] {
		return func(yield func(Event, error) bool) { w.run(ctx, yield) }
	}, sopts)
}

// check reports an empty root or invalid opts, before any I/O.
func check(root string, opts *Options) error {
	if root == "" {
		return errNoRoot
	}
	return opts.check()
}
