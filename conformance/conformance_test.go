package conformance_test

import (
	"context"
	"iter"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/conformance"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fast keeps the broken sources' hangs short.
var fast = &conformance.Options{Timeout: 2 * time.Second, Latency: 200 * time.Millisecond}

func TestCorrectFakePasses(t *testing.T) {
	f := newFake(10)
	defer close(f.release)
	if err := conformance.Check(f.source(), fast); err != nil {
		t.Fatalf("Check of a correct source:\n%v", err)
	}
}

// A correct source of more than 64 values, with pages: Resume samples
// its cursors, page boundaries included.
func TestCorrectBigFakePasses(t *testing.T) {
	f := newFake(100)
	defer close(f.release)
	s := f.source()
	s.PageSize = 8
	if err := conformance.Check(s, fast); err != nil {
		t.Fatalf("Check of a correct source:\n%v", err)
	}
}

func TestTestRunsSubtests(t *testing.T) {
	f := newFake(5)
	defer close(f.release)
	conformance.Test(t, f.source(), fast)
}

// TestBrokenSources runs Check on one broken source per defect and wants
// each reported with a message that names it.
func TestBrokenSources(t *testing.T) {
	tests := []struct {
		name   string
		defect func(*fake)
		want   string // in Check's error
		mod    func(*conformance.Source[int])
	}{
		{"ignores ctx", func(f *fake) { f.ignoreCtx = true }, "a truncated stream looks complete", nil},
		{"silent on cancel", func(f *fake) { f.silentOnCancel = true }, "after ctx was done the source ended with no error", nil},
		{"cancel error does not wrap ctx.Err", func(f *fake) { f.cancelErrPlain = true }, "errors.Is(err, context canceled) = false", nil},
		{"deadline reported as canceled", func(f *fake) { f.deadlineCanceled = true }, "errors.Is(err, context deadline exceeded) = false", nil},
		{"resource left open on break", func(f *fake) { f.leakOnBreak = true }, "BreakEarly: break at value=0: Open() = 1 after the check, want 0", nil},
		{"goroutine left running", func(f *fake) { f.leakGoroutine = true }, "goroutines leaked", nil},
		{"not lazy", func(f *fake) { f.eager = true }, "Lazy: All(ctx) not ranged must start nothing", nil},
		{"yields after false", func(f *fake) { f.yieldAfterFalse = true }, "called yield again after yield returned false", nil},
		{"value after error", func(f *fake) { f.valueAfterError = true }, "yielded a value after an error", nil},
		{"error pair with a value", func(f *fake) { f.nonZeroErrValue = true }, "the error pair carries a non-zero value", nil},
		{"swallows the failure", func(f *fake) { f.swallowFailure = true }, "the failure was swallowed", nil},
		{"failure does not wrap the cause", func(f *fake) { f.failNoWrap = true }, "the error does not wrap the cause", nil},
		{"swallows the body's panic", func(f *fake) { f.swallowPanic = true }, "the source swallowed the panic", nil},
		{"changes the body's panic", func(f *fake) { f.changePanic = true }, "want the body's own panic value unchanged", nil},
		{"stall ignores ctx", func(f *fake) { f.stallIgnoresCtx = true }, "Stall: stall after values=0: hang", nil},
		{"resume repeats the cursor", func(f *fake) { f.resumeRepeats = true }, "repeats the value at the cursor", nil},
		{"resume skips a value", func(f *fake) { f.resumeSkips = true }, "values were lost", nil},
		{"single use not declared", func(f *fake) { f.singleUse = true }, "second range of the same iterator", nil},
		{"single use without the error", func(f *fake) { f.singleUse = true }, "want exactly one error and no value", func(s *conformance.Source[int]) { s.SingleUse = true }},
		{"wrong value", func(f *fake) { f.wrongValue = true }, "value 3 = 103, want 3", nil},
		{"slow to return after break", func(f *fake) { f.slowBreak = true }, "after the loop body returned false, want at once", nil},
		{"send without select on ctx", func(f *fake) { f.sendNoSelect = true }, "a send that does not select on ctx.Done", nil},
		{"stop returns before the producer exits", func(f *fake) { f.stopNoWait = true }, "stop returned before its goroutine exited", nil},
		{"channel never closed", func(f *fake) { f.neverClose = true }, "is it ever closed?", nil},
		{"stop reports the consumer's own stop", func(f *fake) { f.stopErrOnStop = true }, "stopping early is not an error", nil},
		{"stop hides a cancellation", func(f *fake) { f.stopNilOnCancel = true }, "stop() after the parent ctx was canceled mid-stream = <nil>", nil},
		{"stop not idempotent", func(f *fake) { f.stopOnceOnly = true }, "stop must be idempotent", nil},
		{"stop does not reach a stalled source", func(f *fake) { f.stallOnParent = true }, "the stop's cancellation must reach the source", nil},
		{"stream out of order", func(f *fake) { f.streamUnordered = true }, "StreamDrain: drained: value 0 = 9, want 0", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantReported(t, newFake(10), tt.defect, tt.mod, tt.want)
		})
	}
}

// TestBrokenStreamFailAndCursors does for StreamFail, BadCursors and
// Resume's sample what TestBrokenSources does for the other checks: each
// defect here passes every other check, and every check of a suite that
// looked only at the iterator's failure, never gave After a bad cursor
// and resumed only at the first, middle and last values.
func TestBrokenStreamFailAndCursors(t *testing.T) {
	tests := []struct {
		name   string
		n      int // values of the fake
		defect func(*fake)
		want   string // in Check's error
		mod    func(*conformance.Source[int])
	}{
		{"stream drops the source's failure", 10, func(f *fake) { f.dropFailure = true },
			"StreamFail: fail after values=0: stop() of StreamFail(ctx, 0, err) after its channel closed = <nil>, want an error wrapping the source's failure: the failure was lost", nil},
		{"stream drops the failure after the last value", 10, func(f *fake) { f.dropFailure = true },
			"fail after values=10: stop() of StreamFail(ctx, 10, err) after its channel closed = <nil>", nil},
		{"stream fails a value late", 10, func(f *fake) { f.failLate = true },
			"StreamFail: fail after values=0: StreamFail(ctx, 0, err) sent 1 values before the channel closed, want 0", nil},
		{"bad cursor read as the start", 10, func(f *fake) { f.badCursorRestart = true },
			`cursor "v1:zz": After("v1:zz") yielded 10 values and no error: a bad cursor must be refused, not read as the start`, nil},
		{"cursor of another version read as the start", 10, func(f *fake) { f.badCursorRestart = true },
			`After("v2:3") yielded 10 values and no error`, nil},
		{"bad cursor refused after values", 10, func(f *fake) { f.badCursorLate = true },
			`After("v1:zz") yielded 10 values before its error "fake: bad cursor \"v1:zz\": strconv.Atoi: parsing \"zz\": invalid syntax": a bad cursor must be refused before the first value, not read as the start`, nil},
		{"cursor past the end read as the end", 10, func(f *fake) { f.badCursorEnd = true },
			`BadCursors: cursor "v1:15": After("v1:15") yielded no value and no error: a bad cursor must be refused, not read as the end`, nil},
		{"resume wrong at the end of a page", 20, func(f *fake) { f.resumeLosesAfter = 4 },
			`Resume: cursor at value=4: After("v1:4") skips 5, the value after the cursor: values were lost`, nil},
		{"resume wrong at a page boundary of a big source", 100, func(f *fake) { f.resumeLosesAfter = 63 },
			`Resume: cursor at value=63: After("v1:63") skips 64, the value after the cursor: values were lost`,
			func(s *conformance.Source[int]) { s.PageSize = 8 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantReported(t, newFake(tt.n), tt.defect, tt.mod, tt.want)
		})
	}
}

// wantReported switches defect on in f and wants Check to report it with
// an error containing want.
func wantReported(t *testing.T, f *fake, defect func(*fake), mod func(*conformance.Source[int]), want string) {
	t.Helper()
	defect(f)
	s := f.source()
	if mod != nil {
		mod(&s)
	}
	err := conformance.Check(s, fast)
	close(f.release)
	if err == nil {
		t.Fatalf("Check = nil, want an error containing %q", want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("Check = \n%v\n\nwant an error containing %q", err, want)
	}
	t.Logf("reported:\n%v", err)
	// Let the goroutines that the release unblocked finish.
	if err := goleak.Find(); err != nil {
		t.Logf("after release: %v", err)
	}
}

// A stream whose values are unordered passes with Unordered.
func TestUnordered(t *testing.T) {
	f := newFake(6)
	f.streamUnordered = true
	defer close(f.release)
	s := f.source()
	s.Unordered = true
	if err := conformance.Check(s, fast); err != nil {
		t.Fatal(err)
	}
}

// An unbounded source: ints forever, until ctx is done.
func TestUnbounded(t *testing.T) {
	counter := func(ctx context.Context, from int) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			for i := from; ; i++ {
				if err := ctx.Err(); err != nil {
					yield(0, err)
					return
				}
				if !yield(i, nil) {
					return
				}
			}
		}
	}
	s := conformance.Source[int]{
		All:       func(ctx context.Context) iter.Seq2[int, error] { return counter(ctx, 0) },
		Want:      []int{0, 1, 2, 3, 4},
		Unbounded: true,
	}
	if err := conformance.Check(s, fast); err != nil {
		t.Fatal(err)
	}
}

// TestDeepStackElsewhere runs the suite while another goroutine of the
// process is more than 100 frames deep, which the runtime prints with
// "...additional frames elided..." and goleak v1.3.0 cannot parse (it
// panics): an AWS SDK request is that deep. The suite must wait for such
// a stack to go rather than crash.
func TestDeepStackElsewhere(t *testing.T) {
	done := make(chan struct{})
	go deep(150, done)
	time.AfterFunc(300*time.Millisecond, func() { close(done) })
	f := newFake(5)
	defer close(f.release)
	if err := conformance.Check(f.source(), nil); err != nil {
		t.Fatal(err)
	}
}

// deep recurses n frames down, then waits for done.
func deep(n int, done <-chan struct{}) {
	if n > 0 {
		deep(n-1, done)
		return
	}
	<-done
}
