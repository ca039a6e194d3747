package prom

import (
	"math"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// A series holds the send-side metrics of one stream name.
type series struct {
	label      string          // the stream label: the name, made valid UTF-8
	counts     []atomic.Uint64 // sends by wait bucket, not cumulative; the last is +Inf
	waitNanos  atomic.Int64    // total wait
	saturation atomic.Uint64   // math.Float64bits of len/cap after the last send
}

// stream returns the series of the stream named name, making it on the
// first event of that name.
func (m *Metrics) stream(name string) *series {
	if s, ok := m.streams.Load(name); ok {
		return s.(*series)
	}
	// A label value must be valid UTF-8; a stream name need not be.
	// Names that differ only in invalid bytes share the series of their
	// label, stored under the label, and the name is an alias of it.
	label := strings.ToValidUTF8(name, "\uFFFD")
	v, _ := m.streams.LoadOrStore(label, &series{label: label, counts: make([]atomic.Uint64, len(m.bounds)+1)})
	if label != name {
		m.streams.Store(name, v)
	}
	return v.(*series)
}

// each calls f with every series once (aliases skipped).
func (m *Metrics) each(f func(*series)) {
	m.streams.Range(func(k, v any) bool {
		if s := v.(*series); k.(string) == s.label {
			f(s)
		}
		return true
	})
}

// bucket returns the index of the bucket of a wait of secs seconds: the
// first whose upper bound is at least secs, len(bounds) for +Inf.
func bucket(bounds []float64, secs float64) int {
	return sort.SearchFloat64s(bounds, secs)
}

// snapshot returns the series' per-bucket counts and their total.
func (s *series) snapshot() ([]uint64, uint64) {
	counts := make([]uint64, len(s.counts))
	var total uint64
	for i := range s.counts {
		counts[i] = s.counts[i].Load()
		total += counts[i]
	}
	return counts, total
}

// The collectors below turn the series into metrics at each scrape. One
// per metric family, so that each registers, and fails to register,
// under its own name, as the client's vectors do.

type itemsCollector struct {
	m    *Metrics
	desc *prometheus.Desc
}

func (c *itemsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *itemsCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.each(func(s *series) {
		_, total := s.snapshot()
		ch <- constMetric(c.desc, prometheus.CounterValue, float64(total), s.label)
	})
}

type waitCollector struct {
	m    *Metrics
	desc *prometheus.Desc
}

func (c *waitCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *waitCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.each(func(s *series) {
		counts, total := s.snapshot()
		cumulative := make(map[float64]uint64, len(c.m.bounds))
		var n uint64
		for i, b := range c.m.bounds {
			n += counts[i]
			cumulative[b] = n
		}
		sum := float64(s.waitNanos.Load()) / 1e9
		h, err := prometheus.NewConstHistogram(c.desc, total, sum, cumulative, s.label)
		if err != nil {
			h = prometheus.NewInvalidMetric(c.desc, err)
		}
		ch <- h
	})
}

type saturationCollector struct {
	m    *Metrics
	desc *prometheus.Desc
}

func (c *saturationCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *saturationCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.each(func(s *series) {
		v := math.Float64frombits(s.saturation.Load())
		ch <- constMetric(c.desc, prometheus.GaugeValue, v, s.label)
	})
}

// constMetric is prometheus.NewConstMetric, with an error reported to the
// registry's Gather rather than as a panic in a scrape.
func constMetric(desc *prometheus.Desc, t prometheus.ValueType, v float64, label string) prometheus.Metric {
	m, err := prometheus.NewConstMetric(desc, t, v, label)
	if err != nil {
		return prometheus.NewInvalidMetric(desc, err)
	}
	return m
}
