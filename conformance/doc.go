// Package conformance is the test suite every sluice source passes, and
// that anyone who writes a source can run on their own.
//
// A source is described by a [Source]: constructors for its iterator form
// (required), its channel form, variants that fail and that stall (each in
// both forms), a resumed run with the cursors it must refuse, and a count
// of the resources it holds open. [Test] runs each check of the contract
// as a subtest; the contract is the one the root package's documentation
// states ([github.com/sluice-go/sluice], sections "One shape for every
// source", "Iterators", "Channels", "Cancellation", "Errors" and
// "Resuming"). [Check] runs the same checks without a *testing.T and
// returns the failures joined, which is how the suite itself is tested
// against deliberately broken sources. It compiles go.uber.org/goleak and
// nothing else outside the standard library.
//
//	func TestConformance(t *testing.T) {
//		conformance.Test(t, conformance.Source[Entry]{
//			All: func(ctx context.Context) iter.Seq2[Entry, error] { return mysource.All(ctx, fixture, nil) },
//			Stream: func(ctx context.Context) (<-chan Entry, func() error) {
//				return mysource.Stream(ctx, fixture, nil, nil)
//			},
//			Want: want,
//			Fail: func(ctx context.Context, n int, err error) iter.Seq2[Entry, error] {
//				return mysource.All(ctx, failAfter(fixture, n, err), nil)
//			},
//			StreamFail: func(ctx context.Context, n int, err error) (<-chan Entry, func() error) {
//				return mysource.Stream(ctx, failAfter(fixture, n, err), nil, nil)
//			},
//			Cursor: Entry.Cursor,
//			After: func(ctx context.Context, c string) iter.Seq2[Entry, error] {
//				return mysource.All(ctx, fixture, &mysource.Options{After: c})
//			},
//			BadCursors: []string{"a/b", "v2:a/b", "v1:%zz", "v1:../outside"},
//			PageSize:   100,
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
// Resume: for cursors taken from a full run, the values up to the cursor
// followed by the run resumed after it equal Want: nothing lost, nothing
// repeated. It checks every cursor when Want holds 64 values or fewer;
// otherwise a sample of at most 37: the first and last three, the middle,
// sixteen spread across the run and, when [Source].PageSize is set, the
// values on both sides of the first three page boundaries and of four
// more spread through the run, up to the last. A page boundary (where a
// keyset query, an S3 listing or a buffered reader turns over) is where a
// resume is most often wrong, so a source that reads in pages sets
// PageSize, and a Want that spans several pages. Each cursor is a full
// resumed run.
//
// BadCursors: After refuses each of [Source].BadCursors (malformed, of
// another version, outside the source): ranging it yields exactly one
// pair, an error, with no value before it, and leaves nothing running. A
// source that reads a bad cursor as "" (the start) would deliver every
// value again; one that reads it as the end would report a stream that
// looks complete.
//
// StreamDrain, StreamStop and StreamCancel: the channel form drained equals
// Want (as a multiset if Unordered) and stop then returns nil; stopped
// without draining, stop returns promptly, returns nil, has closed the
// channel and is idempotent; with the parent context canceled while the
// consumer has stopped reading, the producer exits by itself and stop
// reports context.Canceled.
//
// StreamFail: the channel form of a source failing after n values (none,
// one, half of Want and, for a bounded source, all of it) sends exactly
// Want[:n] (n of Want's values, in any order, if Unordered), closes the
// channel, and its stop returns an error for which errors.Is(got, err)
// holds, the same error when called again: a channel form that loses its
// source's failure makes a stream that failed look complete.
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
