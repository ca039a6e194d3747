package otel_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/observe"
	"github.com/sluice-go/sluice/observe/otel"
	"github.com/sluice-go/sluice/observe/prom"
)

// observers are the variants of the impl axis: no observer, a no-op one,
// observe/prom's Metrics and this package's, on the SDK with a manual
// reader (collection is not measured: it runs at the exporter's interval,
// not per item).
func observers(b *testing.B) []struct {
	impl string
	obs  sluice.Observer
} {
	pm, err := prom.New(prometheus.NewRegistry(), nil)
	if err != nil {
		b.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	om, err := otel.New(mp, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = om.Close() })
	return []struct {
		impl string
		obs  sluice.Observer
	}{
		{"none", nil},
		{"noop", observe.Multi()},
		{"prom", pm},
		{"otel", om},
	}
}

// BenchmarkStream passes b.N ints through a stream with a buffer of 64,
// drained by a consumer: the cost per item of a stream observed each way
// (the same benchmark as observe/prom's).
func BenchmarkStream(b *testing.B) {
	for _, o := range observers(b) {
		b.Run("impl="+o.impl, func(b *testing.B) {
			opts := &sluice.StreamOptions{Name: "bench", Buffer: 64, Observer: o.obs}
			n := b.N
			b.ReportAllocs()
			b.ResetTimer()
			ch, stop := sluice.Stream(context.Background(), ints(n, nil), opts)
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

// BenchmarkSent calls Sent directly, from one goroutine on one name
// (mode=serial) and from 2×GOMAXPROCS goroutines on four names
// (mode=parallel).
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
				b.SetParallelism(2)
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
