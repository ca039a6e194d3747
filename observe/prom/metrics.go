package prom

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sluice-go/sluice"
)

// Options configure [New]. A nil *Options means the defaults.
type Options struct {
	// Namespace is the prefix of the metric names; "" means "sluice",
	// giving sluice_items_total and so on. Give each Metrics on one
	// registry a namespace of its own.
	Namespace string

	// Buckets are the upper bounds, in seconds and in increasing order,
	// of the buckets of the send-wait histogram. Nil or empty means
	// fifteen bounds from 1µs to 10s, two to a decade (1µs, 3µs, 10µs,
	// 30µs, … 3s, 10s): from a send that barely waited to a consumer
	// stalled for seconds.
	Buckets []float64

	// ConstLabels are added to every metric, for example
	// prometheus.Labels{"service": "sync"}. May be nil. They must not be
	// named stream or reason.
	ConstLabels prometheus.Labels
}

// defaultBuckets are the send-wait buckets when Options.Buckets is nil.
// Literal rather than computed, so the le labels read 3e-05, not
// 3.1622776601683795e-05.
var defaultBuckets = []float64{
	1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10,
}

// Metrics is a sluice.Observer, made by [New], that records, per stream
// name (StreamOptions.Name, "" allowed), the metrics listed in the
// package documentation. It is safe for concurrent use: one Metrics may
// observe any number of streams, and Merge's many goroutines.
type Metrics struct {
	// streams maps a stream name to its *series. The send-side metrics
	// live there, in atomics that the collectors read at each scrape: a
	// send costs a map lookup and one atomic add (two if it waited),
	// where the client's own vectors cost six atomic operations
	// (BENCHMARKS.md).
	streams    sync.Map
	bounds     []float64 // the histogram's upper bounds, without +Inf
	zeroBucket int       // the bucket of a send that did not wait

	ends *prometheus.CounterVec
}

var (
	errNilRegisterer = errors.New("prom: nil prometheus.Registerer")
	errBuckets       = errors.New("prom: Options.Buckets must be in increasing order and not NaN")
)

// New returns a Metrics whose four collectors it has registered with reg.
// It fails if reg is nil, if the options are invalid (buckets out of
// order, an invalid label name or value), or if reg refuses a collector,
// as it does when the same names are already registered (New called twice
// on one registry with the same Namespace); the error names the metric.
// When New fails it leaves reg as it found it.
func New(reg prometheus.Registerer, opts *Options) (*Metrics, error) {
	if reg == nil {
		return nil, errNilRegisterer
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Namespace == "" {
		o.Namespace = "sluice"
	}
	bounds := slices.Clone(o.Buckets) // the caller may reuse the slice
	if len(bounds) == 0 {
		bounds = slices.Clone(defaultBuckets)
	}
	for i, b := range bounds {
		if math.IsNaN(b) || i > 0 && b <= bounds[i-1] {
			return nil, fmt.Errorf("%w: %v", errBuckets, o.Buckets)
		}
	}
	if math.IsInf(bounds[len(bounds)-1], +1) {
		bounds = bounds[:len(bounds)-1] // +Inf is implicit
	}

	m := &Metrics{
		bounds:     bounds,
		zeroBucket: bucket(bounds, 0),
		ends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace:   o.Namespace,
			Name:        "stream_ends_total",
			Help:        "Sluice streams ended, by reason: exhausted, stopped, canceled, deadline_exceeded or failed.",
			ConstLabels: o.ConstLabels,
		}, []string{"stream", "reason"}),
	}
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(o.Namespace, "", name), help, []string{"stream"}, o.ConstLabels)
	}
	collectors := []struct {
		name string
		c    prometheus.Collector
	}{
		{"items_total", &itemsCollector{m, desc("items_total",
			"Values sent on the channels of sluice streams.")}},
		{"send_wait_seconds", &waitCollector{m, desc("send_wait_seconds",
			"How long each send of a sluice stream waited for the consumer (0 if it did not wait).")}},
		{"buffer_saturation", &saturationCollector{m, desc("buffer_saturation",
			"Fill of a sluice stream's channel buffer (len/cap) after its last send; 0 when unbuffered.")}},
		{"stream_ends_total", m.ends},
	}
	for i, c := range collectors {
		if err := reg.Register(c.c); err != nil {
			// Unregister only what this call registered: Unregister
			// goes by the metric's description, so on a duplicate it
			// would remove the collector registered before.
			for _, done := range collectors[:i] {
				reg.Unregister(done.c)
			}
			name := prometheus.BuildFQName(o.Namespace, "", c.name)
			if _, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
				return nil, fmt.Errorf("prom: %s is already registered (a second New on one registry needs another Namespace): %w", name, err)
			}
			return nil, fmt.Errorf("prom: registering %s: %w", name, err)
		}
	}
	return m, nil
}

// Sent records a send: it counts the values it carried (one, or a
// batch's) in the histogram bucket of the send's wait (the item count is
// the histogram's count) and sets the buffer's saturation.
func (m *Metrics) Sent(e sluice.SendEvent) {
	s := m.stream(e.Stream)
	n := max(e.Values, 1)
	i := m.zeroBucket
	if e.Wait > 0 {
		i = bucket(m.bounds, e.Wait.Seconds())
		s.waitNanos.Add(int64(n) * int64(e.Wait))
	}
	s.counts[i].Add(uint64(n))
	var sat float64
	if e.Cap > 0 {
		sat = float64(e.Len) / float64(e.Cap)
	}
	// A stream's saturation is mostly steady (always 0 unbuffered,
	// pinned at 0 or 1 when one side is faster): skipping the store of
	// an unchanged value keeps the cache line shared between the
	// producers of a Merge.
	if bits := math.Float64bits(sat); s.saturation.Load() != bits {
		s.saturation.Store(bits)
	}
}

// Ended counts the end of a stream by its reason. It also makes the
// stream's other series, so that a stream that ended without sending
// anything shows sluice_items_total 0 rather than no series at all.
func (m *Metrics) Ended(e sluice.EndEvent) {
	s := m.stream(e.Stream)
	m.ends.WithLabelValues(s.label, e.Reason.String()).Inc()
}
