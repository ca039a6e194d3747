// Package rillbench benchmarks sluice.Map and sluice.MapStream beside
// github.com/destel/rill's OrderedMap at the same concurrency, over the
// same iterator, with the same function. Run it from this directory (see
// BENCHMARKS.md at the root for the interleaved runs and benchstat):
//
//	go test -run '^$' -bench . -count 6
package rillbench

import (
	"context"
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/destel/rill"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// count yields 0..n-1.
func count(n int) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := range n {
			if !yield(i, nil) {
				return
			}
		}
	}
}

// The functions mapped: nothing, so that what is measured is the map
// itself; about a microsecond of CPU; and a 50µs wait, as of a request,
// which rill's own benchmark uses too.
var funcs = []struct {
	name string
	f    func(int) int
}{
	{"noop", func(x int) int { return x }},
	{"cpu1us", spin},
	{"sleep50us", func(x int) int { time.Sleep(50 * time.Microsecond); return x }},
}

// spin does about a microsecond of arithmetic here.
func spin(x int) int {
	h := uint64(x)
	for range 400 {
		h ^= h << 13
		h ^= h >> 7
		h ^= h << 17
	}
	return int(h & 1)
}

var sink int

// measure runs body, which passes b.N values, and reports beside the time
// the CPU time of the process per value (user and system): on a shared
// machine what a map costs in CPU is steadier than its time, which
// depends on how much of the machine the run gets.
func measure(b *testing.B, body func()) {
	c0, ok := cpuTime()
	b.ResetTimer()
	body()
	b.StopTimer()
	if c1, _ := cpuTime(); ok {
		b.ReportMetric(float64(c1-c0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkOrderedMap passes b.N values through each ordered map, the
// results in order, and reports the cost per value.
func BenchmarkOrderedMap(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{4, 16} {
		for _, fn := range funcs {
			f := fn.f
			name := fmt.Sprintf("n=%d/f=%s", n, fn.name)
			b.Run(name+"/impl=rill", func(b *testing.B) {
				measure(b, func() {
					out := rill.OrderedMap(rill.FromSeq2(count(b.N)), n, func(x int) (int, error) { return f(x), nil })
					sum := 0
					for t := range out {
						if t.Error != nil {
							b.Fatal(t.Error)
						}
						sum += t.Value
					}
					sink = sum
				})
			})
			b.Run(name+"/impl=MapStream", func(b *testing.B) {
				measure(b, func() {
					ch, stop := sluice.MapStream(ctx, func(context.Context) iter.Seq2[int, error] { return count(b.N) }, n,
						func(_ context.Context, x int) (int, error) { return f(x), nil }, nil)
					sum := 0
					for v := range ch {
						sum += v
					}
					if err := stop(); err != nil {
						b.Fatal(err)
					}
					sink = sum
				})
			})
			b.Run(name+"/impl=Map", func(b *testing.B) {
				measure(b, func() {
					sum := 0
					for v, err := range sluice.Map(ctx, count(b.N), n, func(_ context.Context, x int) (int, error) { return f(x), nil }) {
						if err != nil {
							b.Fatal(err)
						}
						sum += v
					}
					sink = sum
				})
			})
		}
	}
}
