package watch

import (
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/sluice-go/sluice"
)

// Options configure a watch. A nil *Options means the defaults: every
// event, .git and node_modules skipped, no initial listing, no debouncing,
// an unbuffered channel.
type Options struct {
	// Include, if not empty, keeps only the events whose path's base name
	// matches one of these filepath.Match patterns ("*.go"). Exclude then
	// drops the events whose base name matches one of its patterns. Both
	// filter events only: every directory not in SkipDirs is watched
	// whatever they say. Rescan events are never filtered.
	Include, Exclude []string

	// SkipDirs are base names of directories that are neither watched nor
	// reported, with everything below them. nil means the default,
	// {".git", "node_modules"}; an empty non-nil slice skips nothing.
	SkipDirs []string

	// Filter, if not nil, is called for each event that passed Include
	// and Exclude; false drops it. It is not called for Rescan events.
	Filter func(e Event) bool

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

	// StreamOptions configure the channel of Stream.
	sluice.StreamOptions

	ready func() // tests: called by All once the watches are in place
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
	if o.Buffer < 0 {
		return fmt.Errorf("watch: Options.Buffer is %d, want 0 or more", o.Buffer)
	}
	for _, p := range slices.Concat(o.Include, o.Exclude) {
		if _, err := filepath.Match(p, ""); err != nil {
			return fmt.Errorf("watch: pattern %q: %w", p, err)
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

// keep reports whether e passes the filters.
func (o *Options) keep(e Event) bool {
	if o == nil || e.Op == Rescan {
		return true
	}
	name := filepath.Base(e.Path)
	if len(o.Include) > 0 && !slices.ContainsFunc(o.Include, func(p string) bool { return match(p, name) }) {
		return false
	}
	if slices.ContainsFunc(o.Exclude, func(p string) bool { return match(p, name) }) {
		return false
	}
	return o.Filter == nil || o.Filter(e)
}

func match(pattern, name string) bool {
	ok, _ := filepath.Match(pattern, name) // checked by check
	return ok
}

func (o *Options) existing() bool { return o != nil && o.Existing }

func (o *Options) debounce() time.Duration {
	if o == nil {
		return 0
	}
	return o.Debounce
}

func (o *Options) streamOptions() *sluice.StreamOptions {
	if o == nil {
		return nil
	}
	return &o.StreamOptions
}
