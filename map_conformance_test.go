package sluice_test

import (
	"context"
	"iter"
	"testing"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
)

// The map stages are checked once by the suite, not in
// TestConformanceRepeated's rounds, to keep the test command short; each
// case there costs about 3 s.

// same is the function the maps apply in the suite: a value that is its
// own cursor must stay one, so it returns the value unchanged, after a
// call that reads ctx as real work would.
func same(ctx context.Context, v int) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return v, nil
}

// deferred returns an iterator that builds its stream only when ranged:
// a channel stage started and never drained would hold its goroutines.
func deferred(mk func() iter.Seq2[int, error]) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for v, err := range mk() {
			if !yield(v, err) {
				return
			}
		}
	}
}

func mapSources() []namedSource {
	const n = 12
	var out []namedSource
	for _, k := range []int{1, 3} {
		s := &ints{n: n}
		m := func(seq iter.Seq2[int, error]) iter.Seq2[int, error] {
			return sluice.Map(context.Background(), seq, k, same)
		}
		out = append(out, namedSource{"Map/n=" + string(rune('0'+k)), conformance.Source[int]{
			All:  func(ctx context.Context) iter.Seq2[int, error] { return sluice.Map(ctx, s.all(ctx), k, same) },
			Want: s.want(),
			Fail: func(ctx context.Context, i int, err error) iter.Seq2[int, error] {
				return sluice.Map(ctx, s.fail(ctx, i, err), k, same)
			},
			Stall: func(ctx context.Context, i int) iter.Seq2[int, error] {
				return sluice.Map(ctx, s.stall(ctx, i), k, same)
			},
			Cursor:     cursor,
			After:      func(ctx context.Context, c string) iter.Seq2[int, error] { return m(s.after(ctx, c)) },
			BadCursors: badCursors,
			Open:       func() int { return int(s.open.Load()) },
		}})
	}
	{
		// Unordered with one goroutine is in order, which the iterator
		// checks need; the channel form runs three, compared as a
		// multiset.
		s := &ints{n: n}
		out = append(out, namedSource{"MapUnordered", conformance.Source[int]{
			All: func(ctx context.Context) iter.Seq2[int, error] { return sluice.MapUnordered(ctx, s.all(ctx), 1, same) },
			Stream: func(ctx context.Context) (<-chan int, func() error) {
				return sluice.MapUnorderedStream(ctx, s.all, 3, same, nil)
			},
			StreamFail: func(ctx context.Context, i int, err error) (<-chan int, func() error) {
				return sluice.MapUnorderedStream(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, i, err) }, 3, same, nil)
			},
			StreamStall: func(ctx context.Context, i int) (<-chan int, func() error) {
				return sluice.MapUnorderedStream(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, i) }, 3, same, nil)
			},
			Unordered: true,
			Want:      s.want(),
			Fail: func(ctx context.Context, i int, err error) iter.Seq2[int, error] {
				return sluice.MapUnordered(ctx, s.fail(ctx, i, err), 1, same)
			},
			Stall: func(ctx context.Context, i int) iter.Seq2[int, error] {
				return sluice.MapUnordered(ctx, s.stall(ctx, i), 1, same)
			},
			Open: func() int { return int(s.open.Load()) },
		}})
	}
	// MapStream, unbuffered and buffered; its iterator checks through
	// FromStream.
	for _, o := range []struct {
		name string
		opts *sluice.StreamOptions
	}{
		{"MapStream", nil},
		{"MapStream/Buffer=4+Named", &sluice.StreamOptions{Buffer: 4, Name: "map", Observer: countingObserver()}},
	} {
		s := &ints{n: n}
		stream := func(ctx context.Context, src func(context.Context) iter.Seq2[int, error]) (<-chan int, func() error) {
			return sluice.MapStream(ctx, src, 3, same, o.opts)
		}
		it := func(ctx context.Context, src func(context.Context) iter.Seq2[int, error]) iter.Seq2[int, error] {
			return deferred(func() iter.Seq2[int, error] { return sluice.FromStream(stream(ctx, src)) })
		}
		out = append(out, namedSource{o.name, conformance.Source[int]{
			All:    func(ctx context.Context) iter.Seq2[int, error] { return it(ctx, s.all) },
			Stream: func(ctx context.Context) (<-chan int, func() error) { return stream(ctx, s.all) },
			StreamFail: func(ctx context.Context, i int, err error) (<-chan int, func() error) {
				return stream(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, i, err) })
			},
			StreamStall: func(ctx context.Context, i int) (<-chan int, func() error) {
				return stream(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, i) })
			},
			Want: s.want(),
			Fail: func(ctx context.Context, i int, err error) iter.Seq2[int, error] {
				return it(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, i, err) })
			},
			Stall: func(ctx context.Context, i int) iter.Seq2[int, error] {
				return it(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, i) })
			},
			Cursor: cursor,
			After: func(ctx context.Context, c string) iter.Seq2[int, error] {
				return it(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.after(ctx, c) })
			},
			BadCursors: badCursors,
			Open:       func() int { return int(s.open.Load()) },
		}})
	}
	return out
}

func TestMapConformance(t *testing.T) {
	for _, s := range mapSources() {
		t.Run(s.name, func(t *testing.T) {
			conformance.Test(t, s.src, nil)
		})
	}
}
