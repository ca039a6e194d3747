package sluice_test

import (
	"context"
	"iter"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type namedSource struct {
	name string
	src  conformance.Source[int]
}

// rootSources describes every stage of the root package as a source for
// the conformance suite, over a fresh ints.
func rootSources() []namedSource {
	const n = 12
	// The channel stages start their goroutine when called; lazy defers
	// that to the range, as an iterator must (a Stream made and never
	// drained or stopped would hold its producer until ctx is done).
	lazy := func(mk func() iter.Seq2[int, error]) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			for v, err := range mk() {
				if !yield(v, err) {
					return
				}
			}
		}
	}
	fromStream := func(f func(ctx context.Context) iter.Seq2[int, error], opts *sluice.StreamOptions) func(ctx context.Context) iter.Seq2[int, error] {
		return func(ctx context.Context) iter.Seq2[int, error] {
			return lazy(func() iter.Seq2[int, error] { return sluice.FromStream(sluice.Stream(ctx, f(ctx), opts)) })
		}
	}
	var out []namedSource

	// Stream, unbuffered, buffered and named with an observer.
	for _, o := range []struct {
		name string
		opts *sluice.StreamOptions
	}{
		{"Stream", nil},
		{"Stream/Buffer=4", &sluice.StreamOptions{Buffer: 4}},
		{"Stream/Named+Observer", &sluice.StreamOptions{Name: "test", Observer: countingObserver()}},
	} {
		s := &ints{n: n}
		out = append(out, namedSource{o.name, conformance.Source[int]{
			All:    s.all,
			Stream: func(ctx context.Context) (<-chan int, func() error) { return sluice.Stream(ctx, s.all(ctx), o.opts) },
			// Stream's stop reaches a blocked source only through
			// StreamFunc, which builds it with the stream's context.
			StreamStall: func(ctx context.Context, k int) (<-chan int, func() error) {
				return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, k) }, o.opts)
			},
			StreamFail: func(ctx context.Context, k int, err error) (<-chan int, func() error) {
				return sluice.Stream(ctx, s.fail(ctx, k, err), o.opts)
			},
			Want: s.want(), Fail: s.fail, Stall: s.stall, Cursor: cursor, After: s.after, BadCursors: badCursors,
			Open: func() int { return int(s.open.Load()) },
		}})
	}
	{
		s := &ints{n: n}
		out = append(out, namedSource{"StreamFunc", conformance.Source[int]{
			All:    s.all,
			Stream: func(ctx context.Context) (<-chan int, func() error) { return sluice.StreamFunc(ctx, s.all, nil) },
			StreamStall: func(ctx context.Context, k int) (<-chan int, func() error) {
				return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, k) }, nil)
			},
			StreamFail: func(ctx context.Context, k int, err error) (<-chan int, func() error) {
				return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, k, err) }, nil)
			},
			Want: s.want(),
			Open: func() int { return int(s.open.Load()) },
		}})
	}

	// FromStream: the iterator form of a stream, with every capability
	// carried through the channel.
	{
		s := &ints{n: n}
		out = append(out, namedSource{"FromStream", conformance.Source[int]{
			All:  fromStream(s.all, nil),
			Want: s.want(),
			Fail: func(ctx context.Context, k int, err error) iter.Seq2[int, error] {
				return fromStream(func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, k, err) }, nil)(ctx)
			},
			Stall: func(ctx context.Context, k int) iter.Seq2[int, error] {
				return fromStream(func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, k) }, nil)(ctx)
			},
			Cursor: cursor,
			After: func(ctx context.Context, c string) iter.Seq2[int, error] {
				return fromStream(func(ctx context.Context) iter.Seq2[int, error] { return s.after(ctx, c) }, nil)(ctx)
			},
			BadCursors: badCursors,
			Open:       func() int { return int(s.open.Load()) },
		}})
	}

	// Buffer.
	{
		s := &ints{n: n}
		out = append(out, namedSource{"Buffer", conformance.Source[int]{
			All: s.all,
			Stream: func(ctx context.Context) (<-chan int, func() error) {
				return sluice.Buffer(ctx, s.all(ctx), 5, nil)
			},
			StreamFail: func(ctx context.Context, k int, err error) (<-chan int, func() error) {
				return sluice.Buffer(ctx, s.fail(ctx, k, err), 5, nil)
			},
			Want: s.want(),
			Open: func() int { return int(s.open.Load()) },
		}})
	}

	// Merge: three parts, unordered on the channel; through FromStream
	// for the iterator checks that a one-part merge keeps in order.
	{
		s := &ints{n: n}
		merged := func(ctx context.Context) (<-chan int, func() error) {
			return sluice.Merge(ctx, []func(context.Context) iter.Seq2[int, error]{
				func(ctx context.Context) iter.Seq2[int, error] { return part(ctx, 0, 1, 2, 3) },
				func(ctx context.Context) iter.Seq2[int, error] { return part(ctx, 4, 5, 6, 7) },
				func(ctx context.Context) iter.Seq2[int, error] { return part(ctx, 8, 9, 10, 11) },
			}, nil)
		}
		one := func(ctx context.Context, seq iter.Seq2[int, error]) iter.Seq2[int, error] {
			return lazy(func() iter.Seq2[int, error] {
				return sluice.FromStream(sluice.Merge(ctx, []func(context.Context) iter.Seq2[int, error]{
					func(context.Context) iter.Seq2[int, error] { return seq },
				}, nil))
			})
		}
		out = append(out, namedSource{"Merge", conformance.Source[int]{
			All:    func(ctx context.Context) iter.Seq2[int, error] { return one(ctx, s.all(ctx)) },
			Stream: merged,
			StreamStall: func(ctx context.Context, k int) (<-chan int, func() error) {
				return sluice.Merge(ctx, []func(context.Context) iter.Seq2[int, error]{
					func(ctx context.Context) iter.Seq2[int, error] { return part(ctx) },
					func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, k) },
				}, nil)
			},
			StreamFail: func(ctx context.Context, k int, err error) (<-chan int, func() error) {
				return sluice.Merge(ctx, []func(context.Context) iter.Seq2[int, error]{
					func(ctx context.Context) iter.Seq2[int, error] { return part(ctx) },
					func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, k, err) },
				}, nil)
			},
			Unordered: true,
			Want:      s.want(),
			Fail: func(ctx context.Context, k int, err error) iter.Seq2[int, error] {
				return one(ctx, s.fail(ctx, k, err))
			},
			Stall:      func(ctx context.Context, k int) iter.Seq2[int, error] { return one(ctx, s.stall(ctx, k)) },
			Cursor:     cursor,
			After:      func(ctx context.Context, c string) iter.Seq2[int, error] { return one(ctx, s.after(ctx, c)) },
			BadCursors: badCursors,
			Open:       func() int { return int(s.open.Load()) },
		}})
	}

	// Bridge: the parts arrive on a channel.
	{
		s := &ints{n: n}
		parts := func(seqs ...iter.Seq2[int, error]) <-chan iter.Seq2[int, error] {
			ch := make(chan iter.Seq2[int, error], len(seqs))
			for _, p := range seqs {
				ch <- p
			}
			close(ch)
			return ch
		}
		bridged := func(ctx context.Context, seqs ...iter.Seq2[int, error]) iter.Seq2[int, error] {
			return lazy(func() iter.Seq2[int, error] { return sluice.FromStream(sluice.Bridge(ctx, parts(seqs...), nil)) })
		}
		out = append(out, namedSource{"Bridge", conformance.Source[int]{
			All: func(ctx context.Context) iter.Seq2[int, error] {
				return bridged(ctx, part(ctx, 0, 1, 2), part(ctx), part(ctx, 3, 4, 5, 6, 7, 8, 9, 10, 11))
			},
			Stream: func(ctx context.Context) (<-chan int, func() error) {
				return sluice.Bridge(ctx, parts(part(ctx, 0, 1, 2, 3, 4, 5), s.seq(ctx, 6, -1, nil, -1)), nil)
			},
			StreamFail: func(ctx context.Context, k int, err error) (<-chan int, func() error) {
				return sluice.Bridge(ctx, parts(part(ctx), s.fail(ctx, k, err)), nil)
			},
			Want: s.want(),
			Fail: func(ctx context.Context, k int, err error) iter.Seq2[int, error] {
				return bridged(ctx, s.seq(ctx, 0, k, err, -1))
			},
			Stall: func(ctx context.Context, k int) iter.Seq2[int, error] {
				return bridged(ctx, part(ctx), s.stall(ctx, k))
			},
			Cursor:     cursor,
			After:      func(ctx context.Context, c string) iter.Seq2[int, error] { return bridged(ctx, s.after(ctx, c)) },
			BadCursors: badCursors,
			Open:       func() int { return int(s.open.Load()) },
		}})
	}

	// Tee: one output, and two with the second read by another goroutine.
	for _, k := range []int{1, 2} {
		s := &ints{n: n}
		out = append(out, namedSource{"Tee/" + string(rune('0'+k)), conformance.Source[int]{
			All: s.all,
			Stream: func(ctx context.Context) (<-chan int, func() error) {
				return teeFirst(sluice.Tee(ctx, s.all(ctx), k, &sluice.StreamOptions{Buffer: 1}))
			},
			StreamFail: func(ctx context.Context, n int, err error) (<-chan int, func() error) {
				return teeFirst(sluice.Tee(ctx, s.fail(ctx, n, err), k, &sluice.StreamOptions{Buffer: 1}))
			},
			Want: s.want(),
			Open: func() int { return int(s.open.Load()) },
		}})
	}

	// StreamBatches, read back value by value through FromStream and
	// Unbatch, with batches smaller than the source so that some are
	// sent by the timer.
	{
		s := &ints{n: n}
		opts := &sluice.StreamOptions{BatchSize: 5, BatchWait: time.Millisecond}
		unbatched := func(f func(ctx context.Context) iter.Seq2[int, error]) func(ctx context.Context) iter.Seq2[int, error] {
			return func(ctx context.Context) iter.Seq2[int, error] {
				return lazy(func() iter.Seq2[int, error] {
					return sluice.Unbatch(sluice.FromStream(sluice.StreamBatches(ctx, f, opts)))
				})
			}
		}
		out = append(out, namedSource{"StreamBatches", conformance.Source[int]{
			All:  unbatched(s.all),
			Want: s.want(),
			Fail: func(ctx context.Context, k int, err error) iter.Seq2[int, error] {
				return unbatched(func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, k, err) })(ctx)
			},
			Stall: func(ctx context.Context, k int) iter.Seq2[int, error] {
				return unbatched(func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, k) })(ctx)
			},
			Cursor: cursor,
			After: func(ctx context.Context, c string) iter.Seq2[int, error] {
				return unbatched(func(ctx context.Context) iter.Seq2[int, error] { return s.after(ctx, c) })(ctx)
			},
			BadCursors: badCursors,
			Open:       func() int { return int(s.open.Load()) },
		}})
	}

	// Batch and Unbatch, round trip.
	{
		s := &ints{n: n}
		rt := func(seq iter.Seq2[int, error]) iter.Seq2[int, error] { return sluice.Unbatch(sluice.Batch(seq, 5)) }
		out = append(out, namedSource{"Batch+Unbatch", conformance.Source[int]{
			All:  func(ctx context.Context) iter.Seq2[int, error] { return rt(s.all(ctx)) },
			Want: s.want(),
			Fail: func(ctx context.Context, k int, err error) iter.Seq2[int, error] {
				return rt(s.fail(ctx, k, err))
			},
			Stall:      func(ctx context.Context, k int) iter.Seq2[int, error] { return rt(s.stall(ctx, k)) },
			Cursor:     cursor,
			After:      func(ctx context.Context, c string) iter.Seq2[int, error] { return rt(s.after(ctx, c)) },
			BadCursors: badCursors,
			Open:       func() int { return int(s.open.Load()) },
		}})
	}

	// Concat and Flatten over three parts.
	{
		s := &ints{n: n}
		three := func(ctx context.Context) []iter.Seq2[int, error] {
			return []iter.Seq2[int, error]{part(ctx, 0, 1, 2), part(ctx), s.seq(ctx, 3, -1, nil, -1)}
		}
		out = append(out, namedSource{"Concat", conformance.Source[int]{
			All:  func(ctx context.Context) iter.Seq2[int, error] { return sluice.Concat(three(ctx)...) },
			Want: s.want(),
			Fail: func(ctx context.Context, k int, err error) iter.Seq2[int, error] {
				return sluice.Concat(part(ctx), s.fail(ctx, k, err), part(ctx, 99))
			},
			Stall: func(ctx context.Context, k int) iter.Seq2[int, error] {
				return sluice.Concat(s.stall(ctx, k), part(ctx, 99))
			},
			Open: func() int { return int(s.open.Load()) },
		}})
		outer := func(seqs ...iter.Seq2[int, error]) iter.Seq2[iter.Seq2[int, error], error] {
			return func(yield func(iter.Seq2[int, error], error) bool) {
				for _, p := range seqs {
					if !yield(p, nil) {
						return
					}
				}
			}
		}
		out = append(out, namedSource{"Flatten", conformance.Source[int]{
			All:  func(ctx context.Context) iter.Seq2[int, error] { return sluice.Flatten(outer(three(ctx)...)) },
			Want: s.want(),
			Fail: func(ctx context.Context, k int, err error) iter.Seq2[int, error] {
				return sluice.Flatten(outer(part(ctx), s.fail(ctx, k, err), part(ctx, 99)))
			},
			Stall: func(ctx context.Context, k int) iter.Seq2[int, error] {
				return sluice.Flatten(outer(s.stall(ctx, k), part(ctx, 99)))
			},
			Open: func() int { return int(s.open.Load()) },
		}})
	}
	return out
}

// badCursors are cursors the test source ints refuses: After must end at
// once with its error through every stage, not start again.
var badCursors = []string{"x", "1.5", "v1:3"}

// teeFirst returns the first output of a Tee, with the others drained by
// goroutines of their own, as a stream the suite can check.
func teeFirst(outs []<-chan int, stop func() error) (<-chan int, func() error) {
	for _, o := range outs[1:] {
		go func() {
			for range o {
			}
		}()
	}
	return outs[0], stop
}

func TestConformance(t *testing.T) {
	for _, s := range rootSources() {
		t.Run(s.name, func(t *testing.T) {
			conformance.Test(t, s.src, nil)
		})
	}
}

// TestConformanceRepeated runs the suite on every stage of the root package
// again and again: a correct source must pass every time, or the suite (or
// the stage) is flaky. Fifteen rounds: since Resume takes every cursor of
// a short run (issue 14), a round costs about 3 s here, and fifty took
// more than two minutes of the test command.
func TestConformanceRepeated(t *testing.T) {
	reps := 15
	if testing.Short() {
		reps = 3
	}
	opts := &conformance.Options{Latency: 200 * time.Millisecond}
	failures := 0
	for i := range reps {
		for _, s := range rootSources() {
			if err := conformance.Check(s.src, opts); err != nil {
				failures++
				t.Errorf("run %d, %s:\n%v", i, s.name, err)
			}
		}
	}
	t.Logf("%d runs of %d sources: %d failures", reps, len(rootSources()), failures)
}
