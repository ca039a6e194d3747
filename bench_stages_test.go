package sluice_test

import (
	"context"
	"iter"
	"strconv"
	"testing"

	"golang.org/x/time/rate"

	"github.com/sluice-go/sluice"
)

// The benchmarks of issue 16's stages, each beside the plain iterator over
// the same source in the same run (see BENCHMARKS.md for the commands).
// Every one reports the cost per value.

// work formats v: about the cost of producing a short line, the function
// the map benchmarks apply when it is not to be free.
func work(_ context.Context, v int) (int, error) {
	var buf [32]byte
	return len(strconv.AppendInt(buf[:0], int64(v)*7919, 10)), nil
}

func free(_ context.Context, v int) (int, error) { return v, nil }

// BenchmarkMap applies f to each value: in the loop itself (Seq2, the
// sequential map), with Map, MapUnordered and MapStream.
func BenchmarkMap(b *testing.B) {
	ctx := context.Background()
	for _, fn := range []struct {
		name string
		f    func(context.Context, int) (int, error)
	}{{"free", free}, {"format", work}} {
		f := fn.f
		b.Run("f="+fn.name+"/impl=Seq2", func(b *testing.B) {
			sum := 0
			for v, err := range count(b.N) {
				if err != nil {
					b.Fatal(err)
				}
				w, err := f(ctx, v)
				if err != nil {
					b.Fatal(err)
				}
				sum += w
			}
			sink = sum
		})
		for _, n := range []int{1, 4} {
			suffix := "-n" + strconv.Itoa(n)
			b.Run("f="+fn.name+"/impl=Map"+suffix, func(b *testing.B) {
				sum := 0
				for w, err := range sluice.Map(ctx, count(b.N), n, f) {
					if err != nil {
						b.Fatal(err)
					}
					sum += w
				}
				sink = sum
			})
		}
		b.Run("f="+fn.name+"/impl=MapUnordered-n4", func(b *testing.B) {
			sum := 0
			for w, err := range sluice.MapUnordered(ctx, count(b.N), 4, f) {
				if err != nil {
					b.Fatal(err)
				}
				sum += w
			}
			sink = sum
		})
		b.Run("f="+fn.name+"/impl=MapStream-n4", func(b *testing.B) {
			ch, stop := sluice.MapStream(ctx, func(context.Context) iter.Seq2[int, error] { return count(b.N) }, 4, f, nil)
			sum := 0
			for w := range ch {
				sum += w
			}
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			sink = sum
		})
	}
}

// BenchmarkBatchStream passes a stream's values in batches of 256 (5ms at
// most): the plain iterator; a Stream read value by value (what a consumer
// of the channel pays without batches); that Stream through BatchStream;
// and StreamBatches, which batches an iterator itself.
func BenchmarkBatchStream(b *testing.B) {
	ctx := context.Background()
	for _, src := range []struct {
		name string
		seq  func(n int) iter.Seq2[int, error]
	}{{"free", count}, {"format", formatted}} {
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
		b.Run("src="+src.name+"/impl=Stream", func(b *testing.B) {
			ch, stop := sluice.Stream(ctx, src.seq(b.N), nil)
			sum := 0
			for v := range ch {
				sum += v
			}
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			sink = sum
		})
		for _, buf := range []int{0, 256} {
			b.Run("src="+src.name+"/impl=Stream+BatchStream-buf"+strconv.Itoa(buf), func(b *testing.B) {
				ch, upStop := sluice.Stream(ctx, src.seq(b.N), &sluice.StreamOptions{Buffer: buf})
				batches, stop := sluice.BatchStream(ctx, ch, upStop, sluice.DefaultBatchSize, sluice.DefaultBatchWait, nil)
				sum := 0
				for batch := range batches {
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

// never is a Limiter that never waits: what Limit itself costs.
type never struct{}

func (never) Wait(context.Context) error { return nil }

// BenchmarkLimit passes each value through a Limiter that lets it go at
// once: the plain iterator; Limit with a limiter that does nothing (the
// stage's own cost); Limit and LimitStream with rate.NewLimiter(rate.Inf,
// 1) (x/time/rate's cost, a mutex and a clock read a value); and one that
// really paces, at 10^6 a second after a burst of 1000, to show a rate
// reached.
func BenchmarkLimit(b *testing.B) {
	ctx := context.Background()
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
	for _, l := range []struct {
		name string
		lim  func() sluice.Limiter
	}{
		{"Limit(noop)", func() sluice.Limiter { return never{} }},
		{"Limit(Inf)", func() sluice.Limiter { return rate.NewLimiter(rate.Inf, 1) }},
		{"Limit(1e6)", func() sluice.Limiter { return rate.NewLimiter(1e6, 1000) }},
	} {
		b.Run("impl="+l.name, func(b *testing.B) {
			sum := 0
			for v, err := range sluice.Limit(ctx, count(b.N), l.lim()) {
				if err != nil {
					b.Fatal(err)
				}
				sum += v
			}
			sink = sum
		})
	}
	b.Run("impl=LimitStream(Inf)", func(b *testing.B) {
		ch, stop := sluice.LimitStream(ctx, func(context.Context) iter.Seq2[int, error] { return count(b.N) }, rate.NewLimiter(rate.Inf, 1), &sluice.StreamOptions{Buffer: 64})
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
