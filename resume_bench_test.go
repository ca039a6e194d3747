package sluice_test

import (
	"context"
	"iter"
	"strconv"
	"testing"

	"github.com/sluice-go/sluice"
)

// BenchmarkResume measures what Resume adds, per value, to a source that
// does not fail: over count, whose values cost nothing, and over
// formatted, which does a little work per value (as BenchmarkBatched).
// impl=plain ranges the source itself (form=iter) or sends it on a
// channel with Stream (form=chan, buffer 64); impl=Resume goes through
// Resume or ResumeStream. impl=eager is the plain iterator with a cursor
// made for every value (strconv.Itoa, about the cheapest cursor there
// is), as a stage that tracked cursors eagerly would pay: what Resume
// avoids by making the cursor of the last value only when the source
// fails.
func BenchmarkResume(b *testing.B) {
	ctx := context.Background()
	opts := &sluice.StreamOptions{Buffer: 64}
	for _, src := range []struct {
		name string
		seq  func(n int) iter.Seq2[int, error]
	}{
		{"free", count},
		{"format", formatted},
	} {
		open := func(n int) func(context.Context, string) iter.Seq2[int, error] {
			return func(context.Context, string) iter.Seq2[int, error] { return src.seq(n) }
		}
		b.Run("src="+src.name+"/form=iter/impl=plain", func(b *testing.B) {
			sum := 0
			for v, err := range src.seq(b.N) {
				if err != nil {
					b.Fatal(err)
				}
				sum += v
			}
			sink = sum
		})
		b.Run("src="+src.name+"/form=iter/impl=eager", func(b *testing.B) {
			sum := 0
			var last string
			for v, err := range src.seq(b.N) {
				if err != nil {
					b.Fatal(err)
				}
				last = strconv.Itoa(v)
				sum += v
			}
			sink = sum + len(last)
		})
		b.Run("src="+src.name+"/form=iter/impl=Resume", func(b *testing.B) {
			sum := 0
			for v, err := range sluice.Resume(ctx, open(b.N), strconv.Itoa, nil) {
				if err != nil {
					b.Fatal(err)
				}
				sum += v
			}
			sink = sum
		})
		b.Run("src="+src.name+"/form=chan/impl=plain", func(b *testing.B) {
			ch, stop := sluice.Stream(ctx, src.seq(b.N), opts)
			sum := 0
			for v := range ch {
				sum += v
			}
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			sink = sum
		})
		b.Run("src="+src.name+"/form=chan/impl=Resume", func(b *testing.B) {
			ch, stop := sluice.ResumeStream(ctx, open(b.N), strconv.Itoa, nil, opts)
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
