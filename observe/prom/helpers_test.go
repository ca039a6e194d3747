package prom_test

import (
	"iter"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-go/sluice/internal/observetest"
)

// A sample is one gathered series: a counter's or gauge's value, or a
// histogram's sample count and bucket bounds.
type sample struct {
	value   float64
	count   uint64
	buckets []float64
}

// gather returns the series of the metric family name in g, by their
// labels written "k=v,k=v" in the order of the label names.
func gather(t *testing.T, g prometheus.Gatherer, name string) map[string]sample {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	out := map[string]sample{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			var s sample
			switch {
			case m.GetCounter() != nil:
				s.value = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				s.value = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				s.count = m.GetHistogram().GetSampleCount()
				for _, b := range m.GetHistogram().GetBucket() {
					s.buckets = append(s.buckets, b.GetUpperBound())
				}
			}
			out[strings.Join(labels, ",")] = s
		}
	}
	return out
}

// ints yields 0, 1, … n-1 (forever if n < 0), then err if not nil.
func ints(n int, err error) iter.Seq2[int, error] { return observetest.Ints(n, err) }
