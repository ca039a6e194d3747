// Package conformance is the test suite every sluice source passes, and
// that anyone who writes a source can run on their own.
//
// A source is described by a [Source]: constructors for its iterator form
// (required), its channel form, a variant that fails and one that stalls, a
// resumed run, and a count of the resources it holds open. [Test] runs each
// check of the contract in ../DESIGN.md as a subtest; [Check] runs the same
// checks without a *testing.T and returns the failures joined, which is how
// the suite itself is tested against deliberately broken sources.
//
//	func TestConformance(t *testing.T) {
//		conformance.Test(t, conformance.Source[Entry]{
//			All:    func(ctx context.Context) iter.Seq2[Entry, error] { return mysource.All(ctx, fixture, nil) },
//			Stream: func(ctx context.Context) (<-chan Entry, func() error) { return mysource.Stream(ctx, fixture, nil) },
//			Want:   want,
//		}, nil)
//	}
//
// # Checks
//
// Full and Reiterate: a full run equals Want and ends without error; a
// second range of the same iterator does so again, or, for a SingleUse
// source, yields exactly one error.
//
// Lazy: constructing the iterator without ranging it starts no goroutine
// and opens nothing.
//
// BreakEarly and PanicInLoop: a loop that breaks (or whose body panics) at
// the first, second, middle and last value ends at once, the panic reaching
// the caller unchanged, with every resource released and no goroutine left.
//
// CancelBefore, CancelDuring and DeadlineDuring: a context canceled before
// the range, after some values, or whose deadline passes mid-stream ends
// the stream within Options.Latency with an error matching
// context.Canceled or context.DeadlineExceeded: never silently.
//
// Fail and Stall: a source failing after n values yields exactly n values,
// then an error wrapping the cause; a source blocked in its underlying API
// ends within the latency when its context is canceled.
//
// Resume: for cursors taken at the first, middle and last values of a full
// run, the values up to the cursor followed by the run resumed after it
// equal Want.
//
// StreamDrain, StreamStop and StreamCancel: the channel form drained equals
// Want (as a multiset if Unordered) and stop then returns nil; stopped
// without draining, stop returns promptly, returns nil, has closed the
// channel and is idempotent; with the parent context canceled while the
// consumer has stopped reading, the producer exits by itself and stop
// reports context.Canceled.
//
// StreamStall: with the producer blocked inside its source, stop returns
// nil within the latency, and a canceled parent context ends the stream
// with context.Canceled: the cancellation reaches the source, not only a
// producer blocked in a send.
//
// Every run also checks the iterator contract on each pair: no pair after
// an error, a zero value in the error pair, no call of yield after it
// returned false.
//
// # Leaks and hangs
//
// Each check (and each case of a check) runs on a fresh source, records the
// goroutines present before it and fails if any started during it are
// still running afterwards (go.uber.org/goleak), and fails if Open does not
// return to its value before the check. A check still running after
// Options.Timeout is reported as a hang; its goroutine, stuck in the
// source, is abandoned.
package conformance
