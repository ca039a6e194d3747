package otel_test

import (
	"context"
	"iter"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluice-go/sluice/internal/observetest"
	"github.com/sluice-go/sluice/observe/otel"
)

// newMetrics returns a Metrics on a meter provider with a manual reader,
// and the reader. Both are shut down when the test ends.
func newMetrics(t *testing.T, opts *otel.Options) (*otel.Metrics, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	m, err := otel.New(mp, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m, reader
}

// A point is one data point collected: a sum's or gauge's value, or a
// histogram's count, sum, bounds and per-bucket counts.
type point struct {
	value   float64
	count   uint64
	sum     float64
	bounds  []float64
	buckets []uint64
}

// collect returns the data points of the instrument name, by their
// attributes written "k=v,k=v" in key order.
func collect(t *testing.T, r *sdkmetric.ManualReader, name string) map[string]point {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	out := map[string]point{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[attrs(p.Attributes)] = point{value: float64(p.Value)}
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					out[attrs(p.Attributes)] = point{value: p.Value}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[attrs(p.Attributes)] = point{count: p.Count, sum: p.Sum, bounds: p.Bounds, buckets: p.BucketCounts}
				}
			default:
				t.Fatalf("%s: unexpected data %T", name, m.Data)
			}
		}
	}
	return out
}

func attrs(s attribute.Set) string {
	var kv []string
	for _, a := range s.ToSlice() {
		kv = append(kv, string(a.Key)+"="+a.Value.String())
	}
	return strings.Join(kv, ",")
}

// ints yields 0, 1, … n-1 (forever if n < 0), then err if not nil.
func ints(n int, err error) iter.Seq2[int, error] { return observetest.Ints(n, err) }
