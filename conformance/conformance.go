package conformance

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// A Source describes a source under test by a set of constructors. Only All
// is required; each check that needs a field left nil is skipped, not
// failed. Every constructor must return a fresh source each time it is
// called.
type Source[V any] struct {
	// All returns the iterator form. Required. The suite keeps the values
	// it receives, so an iterator whose values alias a buffer that the
	// next value overwrites (scanner.All's tokens) must be wrapped to
	// yield copies.
	All func(ctx context.Context) iter.Seq2[V, error]

	// Stream returns the channel form.
	Stream func(ctx context.Context) (<-chan V, func() error)

	// Want is what a full run yields, in order. With Unbounded, it is what
	// the source yields first; the suite then cancels it.
	Want []V

	// Unordered compares the values of Stream with Want as a multiset, for
	// a channel form that emits in parallel. All is always compared in order.
	Unordered bool

	// Unbounded says the source does not end after Want: the suite takes
	// len(Want) values and cancels it.
	Unbounded bool

	// SingleUse says All returns a single-use iterator: a second range must
	// yield exactly one error and no value.
	SingleUse bool

	// Equal compares two values; nil means reflect.DeepEqual.
	Equal func(a, b V) bool

	// Fail returns an iterator that yields n values and then fails with an
	// error that wraps err (errors.Is(got, err) must hold).
	Fail func(ctx context.Context, n int, err error) iter.Seq2[V, error]

	// StreamFail returns the channel form of Fail: it sends n values, then
	// closes the channel, and its stop returns an error that wraps err.
	StreamFail func(ctx context.Context, n int, err error) (<-chan V, func() error)

	// Stall returns an iterator that yields n values and then blocks in the
	// underlying API until ctx is done.
	Stall func(ctx context.Context, n int) iter.Seq2[V, error]

	// StreamStall returns the channel form of Stall: it sends n values and
	// then blocks in the underlying API until its context is done. With it
	// the suite checks that stop, and a canceled parent context, reach a
	// producer blocked inside its source, not only one blocked in a send.
	StreamStall func(ctx context.Context, n int) (<-chan V, func() error)

	// Cursor returns the cursor of a value; with After, the suite checks
	// resumption.
	Cursor func(V) string

	// After returns an iterator that resumes strictly after cursor.
	After func(ctx context.Context, cursor string) iter.Seq2[V, error]

	// PageSize is the size of the pages or buffers the source reads in
	// (a keyset PageSize, S3 MaxKeys, the tokens of one read): their
	// boundaries are where a resume is most likely wrong. Zero means
	// unknown. Resume checks every cursor of a Want of 64 values or fewer;
	// of a larger one, a sample, which with PageSize also holds the
	// cursors on both sides of the first few page boundaries and of a few
	// spread through the run. Make Want span several pages.
	PageSize int

	// BadCursors are cursors After must refuse: malformed, of another
	// version, or outside the source. For each, After must yield exactly
	// one error, and no value: a source that reads a bad cursor as ""
	// would deliver every value again.
	BadCursors []string

	// Open returns how many resources (files, rows, connections, watches)
	// the source holds open now. The suite checks it returns to its
	// baseline when a check ends (within Options.Latency).
	Open func() int
}

// Options tune the suite. A nil *Options means the defaults.
type Options struct {
	// Timeout bounds each check: a check still running then is reported as
	// a hang. Zero means 10s.
	Timeout time.Duration

	// Latency bounds the time from a cancellation (or a stop) to the end of
	// the stream. Zero means 1s.
	Latency time.Duration

	// LeakOptions are passed to goleak when the suite looks for goroutines
	// left behind by a check, for goroutines that legitimately outlive one
	// (an HTTP client's idle connections, say:
	// goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop")).
	// Prefer releasing them instead, for example with a client that does
	// not keep idle connections.
	LeakOptions []goleak.Option
}

func (o *Options) timeout() time.Duration {
	if o == nil || o.Timeout <= 0 {
		return 10 * time.Second
	}
	return o.Timeout
}

func (o *Options) latency() time.Duration {
	if o == nil || o.Latency <= 0 {
		return time.Second
	}
	return o.Latency
}

func (o *Options) leakOptions() []goleak.Option {
	if o == nil {
		return nil
	}
	return o.LeakOptions
}

// Test runs every check that applies to s as a subtest of t, named as the
// check (Full, Reiterate, Lazy, BreakEarly, …). A check whose fields are
// missing is skipped with a message saying which.
//
// Each check looks for goroutines left behind by comparing against the
// goroutines present when it started, so Test must not run in parallel with
// other tests of the same binary.
func Test[V any](t *testing.T, s Source[V], opts *Options) {
	t.Helper()
	if s.All == nil {
		t.Fatal("conformance: Source.All is nil; it is required")
	}
	for _, c := range checks[V]() {
		t.Run(c.name, func(t *testing.T) {
			if missing := c.needs(&s); missing != "" {
				t.Skipf("needs %s", missing)
			}
			if err := c.run(&suite[V]{s: &s, opts: opts}); err != nil {
				t.Error(err)
			}
		})
	}
}

// Check runs the same checks as Test, without a *testing.T, and returns
// every failure joined with errors.Join, each prefixed with the name of its
// check. It returns nil when s passes.
func Check[V any](s Source[V], opts *Options) error {
	if s.All == nil {
		return errors.New("conformance: Source.All is nil; it is required")
	}
	var errs []error
	for _, c := range checks[V]() {
		if c.needs(&s) != "" {
			continue
		}
		if err := c.run(&suite[V]{s: &s, opts: opts}); err != nil {
			errs = append(errs, prefix(c.name, err))
		}
	}
	return errors.Join(errs...)
}

// A check is one property of the contract, run as one subtest.
type check[V any] struct {
	name  string
	needs func(*Source[V]) string // "" when it applies, else what is missing
	run   func(*suite[V]) error
}

// suite carries the source and options through the checks of one run.
type suite[V any] struct {
	s    *Source[V]
	opts *Options
}

func (su *suite[V]) equal(a, b V) bool {
	if su.s.Equal != nil {
		return su.s.Equal(a, b)
	}
	return reflect.DeepEqual(a, b)
}

func (su *suite[V]) open() int {
	if su.s.Open == nil {
		return 0
	}
	return su.s.Open()
}

// settle returns Open() once it is back to base, or its value after
// Latency: a resource may be released by another goroutine shortly after
// the check ends (a connection going back to its pool when the context of
// its query is canceled), as a goroutine may take a moment to exit.
func (su *suite[V]) settle(base int) int {
	deadline := time.Now().Add(su.opts.latency())
	for {
		n := su.open()
		if n == base || time.Now().After(deadline) {
			return n
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// isolate runs f as one case: it snapshots the goroutines and the open
// resources, runs f under the watchdog, and then checks that f left no
// goroutine and no resource behind.
func (su *suite[V]) isolate(f func() error) error {
	snapshot := ignoreCurrent()
	base := su.open()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- fmt.Errorf("the check panicked: %v", v)
			}
		}()
		done <- f()
	}()
	timer := time.NewTimer(su.opts.timeout())
	defer timer.Stop()
	var err error
	select {
	case err = <-done:
	case <-timer.C:
		// The goroutine running f is stuck, inside the source; looking
		// for leaks would only find it.
		return fmt.Errorf("hang: still running after %v (Options.Timeout); the source blocks and ignores cancellation", su.opts.timeout())
	}
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if n := su.settle(base); n != base {
		errs = append(errs, fmt.Errorf("Open() = %d after the check, want %d (its value before): a resource was left open", n, base))
	}
	if err := findLeaks(snapshot, su.opts); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// findLeaks reports goroutines started since snapshot that are still
// running after Latency.
func findLeaks(snapshot goleak.Option, opts *Options) error {
	deadline := time.Now().Add(opts.latency())
	for {
		// Find itself retries for about half a second.
		err := find(append([]goleak.Option{snapshot}, opts.leakOptions()...)...)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("goroutines leaked: still running %v after the check ended:\n%v", opts.latency(), indent(err.Error()))
		}
	}
}

// errUnparsable is what find returns when goleak could not read the
// goroutines' stacks.
var errUnparsable = errors.New("goleak could not parse a goroutine's stack")

// find is goleak.Find, with its panic on a stack it cannot parse made an
// error. goleak v1.3.0 panics on the "...N frames elided..." line the
// runtime prints for a goroutine more than 100 frames deep (an AWS SDK
// request is; fixed in uber-go/goleak#120, unreleased): such a stack is
// there only while the call unwinds, so the caller retries.
func find(opts ...goleak.Option) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: %v", errUnparsable, v)
		}
	}()
	return goleak.Find(opts...)
}

// ignoreCurrent is goleak.IgnoreCurrent, retried for a second while a
// stack is unparsable (see find).
func ignoreCurrent() goleak.Option {
	for i := 0; ; i++ {
		opt, err := tryIgnoreCurrent()
		if err == nil {
			return opt
		}
		if i == 100 {
			panic(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func tryIgnoreCurrent() (opt goleak.Option, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: %v", errUnparsable, v)
		}
	}()
	return goleak.IgnoreCurrent(), nil
}

func prefix(name string, err error) error {
	return fmt.Errorf("%s: %w", name, err)
}

// cases runs f for each distinct k in ks, prefixing failures with k, each
// isolated.
func (su *suite[V]) cases(label string, ks []int, f func(k int) error) error {
	var errs []error
	seen := map[int]bool{}
	for _, k := range ks {
		if k < 0 || seen[k] {
			continue
		}
		seen[k] = true
		if err := su.isolate(func() error { return f(k) }); err != nil {
			errs = append(errs, fmt.Errorf("%s=%d: %w", label, k, err))
		}
	}
	return errors.Join(errs...)
}

func indent(s string) string {
	const max = 4000
	if len(s) > max {
		s = s[:max] + "\n…"
	}
	return "\t" + strings.ReplaceAll(s, "\n", "\n\t")
}
