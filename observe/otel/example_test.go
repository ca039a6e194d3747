package otel_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/observe/otel"
)

func Example() {
	// The program's SDK; here a reader collected by hand, where a service
	// would use an OTLP or Prometheus exporter.
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	m, err := otel.New(mp, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	// A stream that runs to its end, and one that fails after two values.
	ch, stop := sluice.Stream(context.Background(), ints(5, nil), &sluice.StreamOptions{Name: "numbers", Observer: m})
	for range ch {
	}
	_ = stop()
	ch, stop = sluice.Stream(context.Background(), ints(2, errors.New("disk full")), &sluice.StreamOptions{Name: "broken", Observer: m})
	for range ch {
	}
	_ = stop()

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	var lines []string
	for _, sm := range rm.ScopeMetrics {
		for _, metric := range sm.Metrics {
			switch d := metric.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					lines = append(lines, fmt.Sprintf("%s{%s} %d", metric.Name, attrs(p.Attributes), p.Value))
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					lines = append(lines, fmt.Sprintf("%s{%s} count %d", metric.Name, attrs(p.Attributes), p.Count))
				}
			}
		}
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// sluice.items{sluice.stream=broken} 2
	// sluice.items{sluice.stream=numbers} 5
	// sluice.send.wait{sluice.stream=broken} count 2
	// sluice.send.wait{sluice.stream=numbers} count 5
	// sluice.stream.ends{sluice.reason=exhausted,sluice.stream=numbers} 1
	// sluice.stream.ends{sluice.reason=failed,sluice.stream=broken} 1
}
