package prom_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/observe/prom"
)

func Example() {
	reg := prometheus.NewRegistry()
	m, err := prom.New(reg, &prom.Options{ConstLabels: prometheus.Labels{"service": "example"}})
	if err != nil {
		log.Fatal(err)
	}

	// A stream that runs to its end, and one that fails after two values.
	ch, stop := sluice.Stream(context.Background(), ints(5, nil), &sluice.StreamOptions{Name: "numbers", Observer: m})
	for range ch {
	}
	_ = stop()
	ch, stop = sluice.Stream(context.Background(), ints(2, errors.New("disk full")), &sluice.StreamOptions{Name: "broken", Observer: m})
	for range ch {
	}
	_ = stop()

	// What a scrape of reg would say (promhttp.HandlerFor(reg, …) serves it).
	mfs, err := reg.Gather()
	if err != nil {
		log.Fatal(err)
	}
	for _, mf := range mfs {
		for _, s := range mf.GetMetric() {
			var labels []string
			for _, l := range s.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			series := mf.GetName() + "{" + strings.Join(labels, ",") + "}"
			switch {
			case s.GetCounter() != nil:
				fmt.Println(series, s.GetCounter().GetValue())
			case s.GetHistogram() != nil:
				fmt.Println(series, "count", s.GetHistogram().GetSampleCount())
			}
		}
	}
	// Output:
	// sluice_items_total{service="example",stream="broken"} 2
	// sluice_items_total{service="example",stream="numbers"} 5
	// sluice_send_wait_seconds{service="example",stream="broken"} count 2
	// sluice_send_wait_seconds{service="example",stream="numbers"} count 5
	// sluice_stream_ends_total{reason="exhausted",service="example",stream="numbers"} 1
	// sluice_stream_ends_total{reason="failed",service="example",stream="broken"} 1
}
