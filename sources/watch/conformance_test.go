package watch_test

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-go/sluice"

	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/sources/watch"
)

// TestConformance runs the suite on a watch of a fresh directory in
// which, once the watches are in place, the fixture creates Want's files.
// A watch is unbounded: the suite cancels it after Want. Stall is the same
// watch with n files: after them nothing happens, and the watcher blocks
// in fsnotify. Fail is the same watch with n+1 files, whose Filter fails
// at the last: a watch fails by its Filter or by the kernel, and only the
// first can be made to happen at will.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  watch.Options
		sopts *sluice.StreamOptions
	}{
		{"Default", watch.Options{}, nil},
		{"Buffer=4", watch.Options{}, &sluice.StreamOptions{Buffer: 4}},
		{"Debounce", watch.Options{Debounce: 20 * time.Millisecond}, nil},
		{"Poll", watch.Options{Poll: pollInterval}, nil},
		{"Poll/Buffer=4", watch.Options{Poll: pollInterval}, &sluice.StreamOptions{Buffer: 4}},
		{"Poll/Debounce", watch.Options{Poll: pollInterval, Debounce: 20 * time.Millisecond}, nil},
		{"AutoRescan", watch.Options{AutoRescan: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conformance.Test(t, source(t, tc.opts, tc.sopts), nil)
		})
	}
}

const fixtureFiles = 5

// pollInterval is the interval of the polling mode in tests.
const pollInterval = 20 * time.Millisecond

// modes are the two modes most tests run in.
var modes = []struct {
	name string
	opts watch.Options
}{
	{"Inotify", watch.Options{}},
	{"Poll", watch.Options{Poll: pollInterval}},
}

func names(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("f%d", i))
	}
	return out
}

func create(t testing.TB, dir string, names []string) {
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Error(err)
		}
	}
}

// failing returns a copy of opts whose Filter keeps n events and fails
// with err at the next.
func failing(opts watch.Options, n int, err error) *watch.Options {
	kept := 0
	opts.Filter = func(e watch.Event) error {
		if kept == n {
			return fmt.Errorf("filter of %s: %w", e.Path, err)
		}
		kept++
		return nil
	}
	return &opts
}

func source(t *testing.T, opts watch.Options, sopts *sluice.StreamOptions) conformance.Source[watch.Event] {
	// each range watches a fresh directory, and creates n files in it
	// once its watches are in place.
	watching := func(ctx context.Context, opts *watch.Options, n int) iter.Seq2[watch.Event, error] {
		return func(yield func(watch.Event, error) bool) {
			dir, err := os.MkdirTemp(t.TempDir(), "")
			if err != nil {
				yield(watch.Event{}, err)
				return
			}
			o := *opts
			o.OnReady = func() { create(t, dir, names(n)) }
			for e, err := range watch.All(ctx, dir, &o) {
				if !yield(e, err) {
					return
				}
			}
		}
	}
	streaming := func(ctx context.Context, opts *watch.Options, n int) (<-chan watch.Event, func() error) {
		dir := t.TempDir()
		ch, stop := watch.Stream(ctx, dir, opts, sopts)
		create(t, dir, names(n))
		return ch, stop
	}
	var want []watch.Event
	for _, n := range names(fixtureFiles) {
		want = append(want, watch.Event{Path: n, Op: watch.Create})
	}
	return conformance.Source[watch.Event]{
		All: func(ctx context.Context) iter.Seq2[watch.Event, error] { return watching(ctx, &opts, fixtureFiles) },
		Stream: func(ctx context.Context) (<-chan watch.Event, func() error) {
			return streaming(ctx, &opts, fixtureFiles)
		},
		Want:      want,
		Unbounded: true,
		Equal:     func(a, b watch.Event) bool { return a.Op == b.Op && filepath.Base(a.Path) == filepath.Base(b.Path) },
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[watch.Event, error] {
			return watching(ctx, failing(opts, n, err), n+1)
		},
		StreamFail: func(ctx context.Context, n int, err error) (<-chan watch.Event, func() error) {
			return streaming(ctx, failing(opts, n, err), n+1)
		},
		Stall: func(ctx context.Context, n int) iter.Seq2[watch.Event, error] { return watching(ctx, &opts, n) },
		StreamStall: func(ctx context.Context, n int) (<-chan watch.Event, func() error) {
			return streaming(ctx, &opts, n)
		},
		Open: watch.OpenWatchers,
	}
}
