// Package channelbench is the benchmark every source has of its
// recommended channel form beside its iterator (issue 12): the same
// consumer, once ranging the iterator (impl=iterator) and once receiving
// the batches of sluice.StreamBatches over it (impl=StreamBatches), so
// that benchstat -col /impl puts the two side by side. It is for the
// sources' bench_test.go files only.
//
// It imports only the standard library and the root package.
package channelbench

import (
	"context"
	"iter"
	"testing"

	"github.com/sluice-go/sluice"
)

// Run runs the two sub-benchmarks over seq. Each reads the whole source,
// adding up work(v) for every value, and fails if it read no value, a sum
// of 0, or, when want is above 0, another number of values than want. It
// reports the time per value as ns/unit ("ns/row", "ns/key"…) besides the
// time of a whole read.
func Run[V any](b *testing.B, unit string, want int, seq func(context.Context) iter.Seq2[V, error], work func(V) int) {
	ctx := context.Background()
	impls := []struct {
		name string
		read func() (n, sum int, err error)
	}{
		{"iterator", func() (n, sum int, err error) {
			for v, err := range seq(ctx) {
				if err != nil {
					return n, sum, err
				}
				n, sum = n+1, sum+work(v)
			}
			return n, sum, nil
		}},
		{"StreamBatches", func() (n, sum int, err error) {
			batches, stop := sluice.StreamBatches(ctx, seq, nil)
			defer stop()
			for batch := range batches {
				for _, v := range batch {
					n, sum = n+1, sum+work(v)
				}
			}
			return n, sum, stop()
		}},
	}
	for _, impl := range impls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			total := 0
			for b.Loop() {
				n, sum, err := impl.read()
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 || sum == 0 || (want > 0 && n != want) {
					b.Fatalf("read %d values (sum %d), want %d", n, sum, want)
				}
				total += n
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(total), "ns/"+unit)
		})
	}
}
