package sluice_test

import (
	"context"
	"errors"
	"iter"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
)

// errFlaky is the transient failure of a flaky source.
var errFlaky = errors.New("flaky: connection reset")

func isFlaky(err error) bool { return errors.Is(err, errFlaky) }

// flaky is a resumable source of the ints 0..n-1 that fails with errFlaky
// before some of its values: faults[i] times before value i (and, at i =
// n, after the last value, before the end). A fault fires once, whichever
// opening meets it, so a resumed source gets past it. Its state is shared
// by all the openings of one Resume, as a real service's faults are.
type flaky struct {
	n    int
	open atomic.Int32 // openings not yet returned

	mu       sync.Mutex
	faults   map[int]int
	openings []string // the cursor of each opening, in order

	// failAt, failErr: a permanent failure before value failAt (if >= 0);
	// stallAt: the source blocks before value stallAt until ctx is done.
	failAt  int
	failErr error
	stallAt int
}

func newFlaky(n int, faults map[int]int) *flaky {
	return &flaky{n: n, faults: faults, failAt: -1, stallAt: -1}
}

// fault reports whether a fault fires before value i, and uses it up.
func (f *flaky) fault(i int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.faults[i] > 0 {
		f.faults[i]--
		return true
	}
	return false
}

// openAfter is the resumable constructor of f.
func (f *flaky) openAfter(ctx context.Context, after string) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		f.open.Add(1)
		defer f.open.Add(-1)
		f.mu.Lock()
		f.openings = append(f.openings, after)
		f.mu.Unlock()
		from := 0
		if after != "" {
			c, err := strconv.Atoi(after)
			if err != nil || c < 0 || c >= f.n {
				yield(0, errors.New("flaky: bad cursor "+strconv.Quote(after)))
				return
			}
			from = c + 1
		}
		for i := from; ; i++ {
			switch {
			case f.fault(i):
				yield(0, errFlaky)
				return
			case i == f.failAt:
				yield(0, f.failErr)
				return
			case i == f.stallAt:
				<-ctx.Done()
				yield(0, sluice.ContextError(ctx))
				return
			case i >= f.n:
				return
			}
			if err := sluice.ContextError(ctx); err != nil {
				yield(0, err)
				return
			}
			if !yield(i, nil) {
				return
			}
		}
	}
}

// someFaults are the faults of the flaky sources the suite checks: before
// the first value (nothing delivered yet), twice in a row before one
// value, and after the last one.
func someFaults(n int) map[int]int { return map[int]int{0: 1, 3: 1, 5: 2, n: 1} }

// fastRetry retries the flaky source's faults without waiting long.
func fastRetry(o *sluice.ResumeOptions) *sluice.ResumeOptions {
	r := &sluice.ResumeOptions{Transient: isFlaky, InitialDelay: time.Microsecond, MaxDelay: 50 * time.Microsecond}
	if o != nil {
		r.After, r.OnRetry = o.After, o.OnRetry
	}
	return r
}

// resumeSources describes Resume and ResumeStream as sources for the
// conformance suite: over a flaky source that fails transiently at
// several points and must still yield every value once, in order.
func resumeSources() []namedSource {
	const n = 12
	var out []namedSource
	for _, v := range []struct {
		name string
		// backoff: Stall leaves the stage waiting between attempts (an
		// hour) rather than blocked inside its source.
		backoff bool
		sopts   *sluice.StreamOptions
	}{
		{"Resume", false, nil},
		{"Resume/Backoff", true, nil},
		{"Resume/Named+Observer", true, &sluice.StreamOptions{Name: "resume", Observer: &retryRecorder{}, Buffer: 2}},
	} {
		var open atomic.Int32 // openings of every flaky source of this variant
		src := func(faults map[int]int) *flaky { return newFlaky(n, faults) }
		counted := func(f *flaky) func(context.Context, string) iter.Seq2[int, error] {
			return func(ctx context.Context, after string) iter.Seq2[int, error] {
				seq := f.openAfter(ctx, after)
				return func(yield func(int, error) bool) {
					open.Add(1)
					defer open.Add(-1)
					seq(yield)
				}
			}
		}
		all := func(ctx context.Context, f *flaky, o *sluice.ResumeOptions) iter.Seq2[int, error] {
			return sluice.Resume(ctx, counted(f), cursor, fastRetry(o))
		}
		stream := func(ctx context.Context, f *flaky, o *sluice.ResumeOptions) (<-chan int, func() error) {
			return sluice.ResumeStream(ctx, counted(f), cursor, fastRetry(o), v.sopts)
		}
		failing := func(k int, err error) *flaky {
			f := src(someFaults(n))
			f.failAt, f.failErr = k, err
			return f
		}
		// stalled returns a source stalled after k values: blocked in
		// it or, with backoff, failing there transiently once, for a
		// stage that waits an hour before it reopens it, which only the
		// cancellation ends.
		stalled := func(k int) *flaky {
			if v.backoff {
				return src(map[int]int{k: 1})
			}
			f := src(someFaults(n))
			f.stallAt = k
			return f
		}
		stallOpts := fastRetry(nil)
		if v.backoff {
			stallOpts.InitialDelay, stallOpts.MaxDelay, stallOpts.MaxElapsed = time.Hour, time.Hour, 2*time.Hour
		}
		out = append(out, namedSource{v.name, conformance.Source[int]{
			All: func(ctx context.Context) iter.Seq2[int, error] { return all(ctx, src(someFaults(n)), nil) },
			Stream: func(ctx context.Context) (<-chan int, func() error) {
				return stream(ctx, src(someFaults(n)), nil)
			},
			Want: (&ints{n: n}).want(),
			Fail: func(ctx context.Context, k int, err error) iter.Seq2[int, error] {
				return all(ctx, failing(k, err), nil)
			},
			StreamFail: func(ctx context.Context, k int, err error) (<-chan int, func() error) {
				return stream(ctx, failing(k, err), nil)
			},
			Stall: func(ctx context.Context, k int) iter.Seq2[int, error] {
				return sluice.Resume(ctx, counted(stalled(k)), cursor, stallOpts)
			},
			StreamStall: func(ctx context.Context, k int) (<-chan int, func() error) {
				return sluice.ResumeStream(ctx, counted(stalled(k)), cursor, stallOpts, v.sopts)
			},
			Cursor: cursor,
			After: func(ctx context.Context, c string) iter.Seq2[int, error] {
				return all(ctx, src(someFaults(n)), &sluice.ResumeOptions{After: c})
			},
			BadCursors: []string{"x", "-1", "12"},
			Open:       func() int { return int(open.Load()) },
		}})
	}
	return out
}

// TestResumeConformance runs the conformance suite on Resume and
// ResumeStream over a source that fails transiently before its first
// value, twice before one value and after its last: each check must see
// exactly what a source that never failed gives. With Backoff, Stall and
// StreamStall leave the stage waiting an hour between two attempts: a
// cancellation, or stop, must end that wait within the suite's latency,
// with no goroutine left.
func TestResumeConformance(t *testing.T) {
	for _, s := range resumeSources() {
		t.Run(s.name, func(t *testing.T) {
			conformance.Test(t, s.src, nil)
		})
	}
}

// TestResumeConformanceRepeated runs the suite on the Resume variants a
// few more times: a reopening races a cancellation differently each run.
func TestResumeConformanceRepeated(t *testing.T) {
	reps := 3
	if testing.Short() {
		reps = 1
	}
	opts := &conformance.Options{Latency: 200 * time.Millisecond}
	for i := range reps {
		for _, s := range resumeSources() {
			if err := conformance.Check(s.src, opts); err != nil {
				t.Errorf("run %d, %s:\n%v", i, s.name, err)
			}
		}
	}
}

// retryRecorder is an Observer that also keeps the retries it hears.
type retryRecorder struct {
	recorder
	mu      sync.Mutex
	retries []sluice.RetryEvent
}

func (r *retryRecorder) Retrying(e sluice.RetryEvent) {
	r.mu.Lock()
	r.retries = append(r.retries, e)
	r.mu.Unlock()
}

func (r *retryRecorder) events() []sluice.RetryEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sluice.RetryEvent(nil), r.retries...)
}
