package sluice_test

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"testing"

	"github.com/sluice-go/sluice"
)

// The benchmarks put each baseline beside the candidate in one run, as
// sub-benchmarks differing only in impl=, so benchstat can compare them
// column by column (see BENCHMARKS.md for the command). Every one measures
// the cost per item: b.N items pass through one stream.

// count yields 0..n-1: a source that costs next to nothing, so what is
// measured is the plumbing.
func count(n int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := range n {
			if !yield(i, nil) {
				return
			}
		}
	}
}

var sink int

func BenchmarkIterate(b *testing.B) {
	b.Run("impl=slice", func(b *testing.B) {
		s := make([]int, b.N)
		b.ResetTimer()
		sum := 0
		for _, v := range s {
			sum += v
		}
		sink = sum
	})
	b.Run("impl=Seq2", func(b *testing.B) {
		sum := 0
		for v, err := range count(b.N) {
			if err != nil {
				b.Fatal(err)
			}
			sum += v
		}
		sink = sum
	})
}

// handwritten is the generator people write by hand: a goroutine ranging
// the source and sending with a select on ctx, and a cancel to stop it.
func handwritten(ctx context.Context, seq iter.Seq2[int, error], buf int) (<-chan int, func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan int, buf)
	go func() {
		defer close(out)
		for v, err := range seq {
			if err != nil {
				return
			}
			select {
			case out <- v:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, cancel
}

type noopObserver struct{}

func (noopObserver) Sent(sluice.SendEvent) {}
func (noopObserver) Ended(sluice.EndEvent) {}

func BenchmarkStream(b *testing.B) {
	ctx := context.Background()
	for _, buf := range []int{0, 64} {
		b.Run(fmt.Sprintf("buf=%d/impl=handwritten", buf), func(b *testing.B) {
			ch, stop := handwritten(ctx, count(b.N), buf)
			defer stop()
			sum := 0
			for v := range ch {
				sum += v
			}
			sink = sum
		})
		b.Run(fmt.Sprintf("buf=%d/impl=Stream", buf), func(b *testing.B) {
			ch, stop := sluice.Stream(ctx, count(b.N), &sluice.StreamOptions{Buffer: buf})
			sum := 0
			for v := range ch {
				sum += v
			}
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			sink = sum
		})
	}
}

// BenchmarkBatched is the per-item cost of a channel that carries batches
// of 256, beside the plain iterator over the same source: once over count,
// whose values cost nothing, and once over a source that does a little
// work per value (formatting it, about the cost of producing a short line),
// which is the case batching is for.
func BenchmarkBatched(b *testing.B) {
	ctx := context.Background()
	sources := []struct {
		name string
		seq  func(n int) iter.Seq2[int, error]
	}{
		{"free", count},
		{"format", formatted},
	}
	for _, src := range sources {
		b.Run("src="+src.name+"/impl=Seq2", func(b *testing.B) {
			sum := 0
			for v, err := range src.seq(b.N) {
				if err != nil {
					b.Fatal(err)
				}
				sum += v
			}
			sink = sum
		})
		b.Run("src="+src.name+"/impl=Stream(Batch256)", func(b *testing.B) {
			ch, stop := sluice.Stream(ctx, sluice.Batch(src.seq(b.N), 256), nil)
			sum := 0
			for batch := range ch {
				for _, v := range batch {
					sum += v
				}
			}
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			sink = sum
		})
		b.Run("src="+src.name+"/impl=StreamBatches", func(b *testing.B) {
			ch, stop := sluice.StreamBatches(ctx, func(context.Context) iter.Seq2[int, error] { return src.seq(b.N) }, nil)
			sum := 0
			for batch := range ch {
				for _, v := range batch {
					sum += v
				}
			}
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			sink = sum
		})
	}
}

// formatted yields, for each i below n, the length of i formatted in
// decimal: a source with a little work per value.
func formatted(n int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		var buf [32]byte
		for i := range n {
			if !yield(len(strconv.AppendInt(buf[:0], int64(i)*7919, 10)), nil) {
				return
			}
		}
	}
}

// BenchmarkObserver compares a stream with no options, with options whose
// Observer is nil, and with a no-op Observer (the cost of the hook itself:
// a clock read on a blocked send and an interface call per item).
func BenchmarkObserver(b *testing.B) {
	ctx := context.Background()
	for _, buf := range []int{0, 64} {
		for _, o := range []struct {
			name string
			opts *sluice.StreamOptions
		}{
			{"none", nil},
			{"nil", &sluice.StreamOptions{Buffer: buf}},
			{"noop", &sluice.StreamOptions{Buffer: buf, Observer: noopObserver{}}},
		} {
			opts := o.opts
			if opts == nil && buf > 0 {
				// No observer field set at all; the buffer must be.
				opts = &sluice.StreamOptions{Buffer: buf}
			}
			b.Run(fmt.Sprintf("buf=%d/observer=%s", buf, o.name), func(b *testing.B) {
				ch, stop := sluice.Stream(ctx, count(b.N), opts)
				sum := 0
				for v := range ch {
					sum += v
				}
				if err := stop(); err != nil {
					b.Fatal(err)
				}
				sink = sum
			})
		}
	}
}
