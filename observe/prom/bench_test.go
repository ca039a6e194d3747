package prom_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/observe"
	"github.com/sluice-go/sluice/observe/prom"
)

// observers are the variants of the impl axis: no observer at all, a
// no-op one, Metrics, the same metrics kept in the client's own vectors
// (vec, the obvious design, for comparison), and a log without SlowSend
// (which does nothing per send).
func observers(b *testing.B) []struct {
	impl string
	obs  sluice.Observer
} {
	m, err := prom.New(prometheus.NewRegistry(), nil)
	if err != nil {
		b.Fatal(err)
	}
	discard := slog.New(slog.DiscardHandler)
	return []struct {
		impl string
		obs  sluice.Observer
	}{
		{"none", nil},
		{"noop", observe.Multi()},
		{"prom", m},
		{"vec", newVecMetrics()},
		{"log", observe.Log(discard, nil)},
	}
}

// BenchmarkStream passes b.N ints through a stream with a buffer of 64,
// drained by a consumer: the cost per item of a stream observed each way.
func BenchmarkStream(b *testing.B) {
	for _, o := range observers(b) {
		b.Run("impl="+o.impl, func(b *testing.B) {
			opts := &sluice.StreamOptions{Name: "bench", Buffer: 64, Observer: o.obs}
			n := b.N
			seq := func(yield func(int, error) bool) {
				for i := range n {
					if !yield(i, nil) {
						return
					}
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			ch, stop := sluice.Stream(context.Background(), seq, opts)
			got := 0
			for range ch {
				got++
			}
			if err := stop(); err != nil || got != n {
				b.Fatalf("got %d values, stop() = %v; want %d, nil", got, err, n)
			}
		})
	}
}

// BenchmarkSent calls the observer's Sent directly: from one goroutine
// on one stream name (mode=serial), and from 2×GOMAXPROCS goroutines on
// four names (mode=parallel), as the producers of a Merge or of several
// streams sharing one observer do.
func BenchmarkSent(b *testing.B) {
	b.Run("mode=serial", func(b *testing.B) {
		for _, o := range observers(b) {
			if o.obs == nil {
				continue
			}
			b.Run("impl="+o.impl, func(b *testing.B) {
				e := sluice.SendEvent{Stream: "bench", Len: 3, Cap: 64}
				b.ReportAllocs()
				for b.Loop() {
					o.obs.Sent(e)
				}
			})
		}
	})
	b.Run("mode=parallel", func(b *testing.B) {
		for _, o := range observers(b) {
			if o.obs == nil {
				continue
			}
			b.Run("impl="+o.impl, func(b *testing.B) {
				var next atomic.Int64
				b.SetParallelism(2) // at least four goroutines, one per name
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					e := sluice.SendEvent{Stream: fmt.Sprintf("bench%d", next.Add(1)%4), Len: 3, Cap: 64}
					for pb.Next() {
						o.obs.Sent(e)
					}
				})
			})
		}
	})
}

// vecMetrics records what Metrics records per send, in the client's
// CounterVec, HistogramVec and GaugeVec, with each stream's children
// looked up once and kept in a sync.Map.
type vecMetrics struct {
	items      *prometheus.CounterVec
	wait       *prometheus.HistogramVec
	saturation *prometheus.GaugeVec
	streams    sync.Map // name → *vecSeries
}

type vecSeries struct {
	items      prometheus.Counter
	wait       prometheus.Observer
	saturation prometheus.Gauge
}

func newVecMetrics() *vecMetrics {
	return &vecMetrics{
		items: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "items_total", Help: "x"}, []string{"stream"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "send_wait_seconds", Help: "x",
			Buckets: []float64{1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10}}, []string{"stream"}),
		saturation: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "buffer_saturation", Help: "x"}, []string{"stream"}),
	}
}

func (m *vecMetrics) Sent(e sluice.SendEvent) {
	v, ok := m.streams.Load(e.Stream)
	if !ok {
		v, _ = m.streams.LoadOrStore(e.Stream, &vecSeries{
			items:      m.items.WithLabelValues(e.Stream),
			wait:       m.wait.WithLabelValues(e.Stream),
			saturation: m.saturation.WithLabelValues(e.Stream),
		})
	}
	s := v.(*vecSeries)
	s.items.Inc()
	s.wait.Observe(e.Wait.Seconds())
	var sat float64
	if e.Cap > 0 {
		sat = float64(e.Len) / float64(e.Cap)
	}
	s.saturation.Set(sat)
}

func (m *vecMetrics) Ended(sluice.EndEvent) {}
