// Package watch streams the changes under a directory tree, watched
// recursively with fsnotify (inotify on Linux), and never loses an event
// silently: when the watcher loses track, it says so with a Rescan event.
// It compiles github.com/fsnotify/fsnotify (and golang.org/x/sys through
// it) and nothing else outside the standard library.
//
//	events, stop := watch.Stream(ctx, root, &watch.Options{Debounce: 100 * time.Millisecond}, nil)
//	defer stop()
//	for e := range events {
//		if e.Op == watch.Rescan {
//			relist(e.Path) // see Rescan below
//			continue
//		}
//		apply(e)
//	}
//	if err := stop(); err != nil {
//		return err
//	}
//
// # Iterators
//
// All is lazy: it watches nothing until it is ranged, and each range
// watches afresh. Stream places every watch before it returns, so every
// change after it returns is reported. A caller of All cannot see that
// moment from the loop (the first event comes only with the first
// change); Options.OnReady marks it, in both forms: it is called once
// the watch is set up, before any event is reported, so a change made
// from then on (or from within OnReady) is reported. When the changes
// right after the setup matter, use Stream, or All with OnReady. A watch
// never ends by itself: it ends when its context is done, when the loop
// breaks or stop is called, when Options.Filter ends it, or when it
// fails; it then closes the fsnotify watcher and leaves no goroutine.
//
// # Recursion
//
// Every directory under root is watched, except those named in
// Options.SkipDirs (.git and node_modules by default) and those for which
// Options.Filter answers fs.SkipDir, with everything below them. A
// directory created later is watched as soon as the watcher knows it is
// one, and then listed: what was created in it before its watch was in
// place is reported as Create too, after the directory's own Create.
// Without Filter (nor AutoRescan), a Create is reported before the
// watcher learns whether it is a directory's, and the Creates handled
// together during a burst are typed together: one read of a parent
// holding many of them, not a Lstat each. A file created between the
// watch and the listing is reported once (the listing's Create stands for
// both), unless the path then holds a different file. Symbolic links are
// reported, not followed.
//
// # Rescan
//
// An Event with Op Rescan says the watcher lost track of Event.Path and of
// everything below it: the kernel's queue overflowed (Path is root), or a
// directory could not be watched (Path is that directory; Reason says why,
// ErrWatchLimit for the inotify watch limit). Events under Path may have
// been lost. It is a value, not an error: the watch goes on. A consumer
// that keeps state about the tree must re-list Path, for example with
// walkdir.Dir(ctx, e.Path, nil), and reconcile its state with the
// listing: add what it did not know, drop what is no longer there, re-read
// what may have changed. After an overflow, every directory of the tree
// is watched again before the Rescan is reported, so a listing started on
// it misses nothing that follows.
//
// With Options.AutoRescan, the watcher does that re-listing itself on an
// overflow: it keeps the state of the tree as its events reported it,
// walks the tree (watching each directory before listing it), and
// reports the differences as events, before the Rescan of the root,
// whose Reason then wraps ErrRescanned:
//
//	if e.Op == watch.Rescan && !errors.Is(e.Reason, watch.ErrRescanned) {
//		relist(e.Path)
//	}
//
// The walk compares type, identity (os.SameFile), size, modification time
// and mode: a write that changes none of them is not seen. A Rescan of a
// directory that could not be watched is never marked ErrRescanned.
//
// # Polling
//
// Options.Poll selects the polling mode, for NFS and other file systems
// whose changes inotify does not see: the tree is walked every Poll and
// compared with the previous walk, and the differences are reported with
// the same Event type (see Poll for what a walk can and cannot see). The
// rest is the same: the first walk is done before Stream returns (and
// before All calls OnReady), Existing, the filters, SkipDirs and Debounce
// apply, a removed root ends the watch with ErrRootGone, and a directory
// that cannot be listed is reported as a Rescan. No overflow is possible:
// the state is compared, not queued.
//
// # Errors
//
// Errors end the stream and are prefixed "watch: ". An empty root and
// invalid Options are reported when All or Stream is called, before
// anything is watched: All yields the error as its only pair, Stream
// returns a closed channel whose stop returns it. A root that does not
// exist wraps fs.ErrNotExist; the watch limit reached while placing the
// first watches wraps ErrWatchLimit, whose message names the sysctl to
// raise (fs.inotify.max_user_watches); a root removed or renamed while
// watched wraps ErrRootGone; an error of Options.Filter ends the stream
// with that error (fs.SkipAll ends it without one). When the context is
// done, the error matches ctx.Err().
package watch
