package watch

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"
)

// Options configure a watch. A nil *Options means the defaults: every
// event, .git and node_modules skipped, no initial listing, no debouncing.
// How Stream delivers the events is a *sluice.StreamOptions of its own.
type Options struct {
	// Include, if not empty, keeps only the events whose path's base name
	// matches one of these filepath.Match patterns ("*.go"). Exclude then
	// drops the events whose base name matches one of its patterns. Both
	// filter events only: every directory not in SkipDirs (or left out by
	// Filter) is watched whatever they say. Rescan events are never
	// filtered.
	Include, Exclude []string

	// SkipDirs are base names of directories that are neither watched nor
	// reported, with everything below them. nil means the default,
	// {".git", "node_modules"}; an empty non-nil slice skips nothing.
	SkipDirs []string

	// Filter, if not nil, is called for each event that passed Include
	// and Exclude, and answers as an fs.WalkDirFunc does: nil keeps the
	// event; sluice.Skip drops it; fs.SkipDir, for an event of a
	// directory, drops it and leaves the directory out with everything
	// below it, as SkipDirs does (it is no longer watched and no event
	// under it is reported until it is removed or renamed), and for any
	// other event drops it as sluice.Skip does; fs.SkipAll ends the watch
	// without error, after the events already kept; any other error ends
	// the watch with that error. Since its answer decides whether a
	// directory is watched, Filter is also asked about every directory
	// found under root when the watch is set up and in each directory
	// created later (as the Create that Existing reports, reported only
	// with Existing), and about every directory's event even when Include
	// or Exclude drop it (then only fs.SkipDir and the ending answers
	// count). It sees the events before Debounce coalesces them, one at
	// a time (never concurrently), and never a Rescan.
	Filter func(e Event) error

	// Existing reports the files and directories already under root when
	// the watch starts as Create events, before any change. Every path
	// is reported: listed, or seen changing, or both, with the listing's
	// Create not repeated for a path created while it ran.
	Existing bool

	// Debounce, if positive, coalesces the events of each path: the
	// first event of a path opens a window of Debounce, and one event,
	// carrying the union of the operations seen, is reported when it
	// closes. So a path that keeps changing is reported once per window.
	// A Remove or Rename replaces what came before it in the window (a
	// Create followed by a Remove is reported as one Remove: harmless
	// to a consumer that never saw the path, and right for one that
	// did); a Create after a Remove is reported as Create (the path is
	// back: read it afresh). Events are reported in the order their
	// windows opened. A Rescan is never delayed: the pending events are
	// reported first, then the Rescan.
	Debounce time.Duration

	// Poll, if positive, selects the polling mode, for NFS and other
	// file systems where inotify does not see every change: instead of
	// watching, the tree is walked every Poll, and each path's state
	// (type, size, modification time, mode, and identity as os.SameFile
	// tells it) compared with the last walk's. The events have the same
	// type and meaning, with these differences: a path's changes between
	// two walks are reported as one event, carrying one operation (Remove;
	// Create for a new path or one that now holds another file; else
	// Write and/or Chmod); a rename is reported as the Remove of the old
	// name and the Create of the new one; a file created and removed
	// between two walks is not reported; a write that leaves the size and
	// the modification time as they were is not seen. The Removes of a
	// walk come first, deepest paths first, then the other events, in
	// path order. A directory that cannot be listed is reported once as
	// a Rescan, and what was known below it is kept until it can be.
	// The first walk is done before Stream returns (and before All
	// yields or calls OnReady). SkipDirs, the filters, Existing and
	// Debounce apply as in the inotify mode; AutoRescan does not apply.
	Poll time.Duration

	// AutoRescan, in the inotify mode, makes the watcher keep the known
	// state of the tree (a Lstat of every path, taken at setup and at
	// each event), and on an overflow of the kernel's queue walk the tree
	// and report the differences from that state, as the polling mode
	// does (see Poll): a Create for each path that appeared or now holds
	// another file, a Remove for each path that disappeared, a Write or
	// Chmod for a file whose size, time or mode changed. The Rescan of
	// the root is still reported, after these events, and its Reason then
	// wraps ErrRescanned besides fsnotify.ErrEventOverflow: a consumer
	// that trusts the walk may skip its own re-listing; one that
	// re-lists anyway is still right. Events queued before the overflow
	// may still arrive after the walk, repeating what it reported
	// (a Create the walk reported is not repeated for the same file). A
	// Rescan for a directory that could not be watched is not handled by
	// AutoRescan. The cost is a Lstat per event and the memory of one
	// os.FileInfo per path.
	AutoRescan bool

	// OnReady, if not nil, is called once the watch is set up (every
	// directory watched, or, with Poll, the first walk done), before any
	// event is reported: every change after it is reported. All calls it
	// from the range loop's goroutine, before its first yield; Stream
	// calls it before it returns. It is how a caller of the lazy All
	// learns that the changes it makes from then on will be seen (Stream
	// returning says the same). It is not called when the setup fails.
	OnReady func()
}

var defaultSkipDirs = []string{".git", "node_modules"}

// check reports options that cannot be honoured.
func (o *Options) check() error {
	if o == nil {
		return nil
	}
	if o.Debounce < 0 {
		return fmt.Errorf("watch: Options.Debounce is %v, want 0 or more", o.Debounce)
	}
	if o.Poll < 0 {
		return fmt.Errorf("watch: Options.Poll is %v, want 0 or more", o.Poll)
	}
	for _, f := range []struct {
		name     string
		patterns []string
	}{{"Include", o.Include}, {"Exclude", o.Exclude}} {
		for _, p := range f.patterns {
			if _, err := filepath.Match(p, ""); err != nil {
				return fmt.Errorf("watch: Options.%s: pattern %q: %w", f.name, p, err)
			}
		}
	}
	return nil
}

func (o *Options) skipDir(name string) bool {
	skip := defaultSkipDirs
	if o != nil && o.SkipDirs != nil {
		skip = o.SkipDirs
	}
	return slices.Contains(skip, name)
}

// matches reports whether e passes Include and Exclude.
func (o *Options) matches(e Event) bool {
	if o == nil {
		return true
	}
	name := filepath.Base(e.Path)
	if len(o.Include) > 0 && !slices.ContainsFunc(o.Include, func(p string) bool { return match(p, name) }) {
		return false
	}
	return !slices.ContainsFunc(o.Exclude, func(p string) bool { return match(p, name) })
}

// filter returns the answer of Filter for e, nil without one.
func (o *Options) filter(e Event) error {
	if o == nil || o.Filter == nil {
		return nil
	}
	return o.Filter(e)
}

func match(pattern, name string) bool {
	ok, _ := filepath.Match(pattern, name) // checked by check
	return ok
}

func (o *Options) existing() bool { return o != nil && o.Existing }

func (o *Options) poll() time.Duration {
	if o == nil {
		return 0
	}
	return o.Poll
}

func (o *Options) autoRescan() bool { return o != nil && o.AutoRescan && o.Poll <= 0 }

func (o *Options) ready() {
	if o != nil && o.OnReady != nil {
		o.OnReady()
	}
}

func (o *Options) debounce() time.Duration {
	if o == nil {
		return 0
	}
	return o.Debounce
}
