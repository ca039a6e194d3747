package otel

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/sluice-go/sluice"
)

// Options configure [New]. A nil *Options means the defaults.
type Options struct {
	// Prefix begins the instrument names; "" means "sluice", giving
	// sluice.items and so on.
	Prefix string

	// Buckets are the explicit bucket boundaries, in seconds and in
	// increasing order, of the send-wait histogram. Nil or empty means
	// observe/prom's: fifteen bounds from 1µs to 10s, two to a decade.
	Buckets []float64

	// Attributes are added to every measurement, for example
	// attribute.String("service", "sync"). They must not be named
	// sluice.stream or sluice.reason.
	Attributes []attribute.KeyValue
}

// Attribute keys of every measurement, and of sluice.stream.ends.
const (
	StreamKey = attribute.Key("sluice.stream")
	ReasonKey = attribute.Key("sluice.reason")
)

// defaultBuckets are observe/prom's, so the two read alike.
var defaultBuckets = []float64{
	1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10,
}

// The meter's name, as OpenTelemetry asks: the instrumenting package.
const scope = "github.com/sluice-go/sluice/observe/otel"

// Metrics is a sluice.Observer, made by [New], that records the
// instruments listed in the package documentation. It is safe for
// concurrent use: one Metrics may observe any number of streams.
type Metrics struct {
	streams sync.Map // stream name → *series
	base    []attribute.KeyValue
	wait    metric.Float64Histogram
	ends    metric.Int64Counter
	reg     metric.Registration
}

// A series holds the per-stream state: the values the callback reads and
// the attribute set every measurement of the stream carries.
type series struct {
	items      atomic.Int64
	saturation atomic.Uint64 // math.Float64bits(len/cap)
	attrs      metric.MeasurementOption
	record     []metric.RecordOption // {attrs}: a slice made once, so Record's variadic argument does not allocate per send
	label      string
}

var (
	errNilProvider = errors.New("otel: nil metric.MeterProvider")
	errBuckets     = errors.New("otel: Options.Buckets must be in increasing order and not NaN")
)

// New returns a Metrics whose instruments it has created with a meter of
// mp. It fails if mp is nil, if the options are invalid (buckets out of
// order, an attribute named sluice.stream or sluice.reason), or if the
// meter refuses an instrument (an invalid Prefix); the error names it.
// Call Close to stop the callback that reports sluice.items and
// sluice.buffer.saturation.
func New(mp metric.MeterProvider, opts *Options) (*Metrics, error) {
	if mp == nil {
		return nil, errNilProvider
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Prefix == "" {
		o.Prefix = "sluice"
	}
	// The API keeps the slice it is given; the SDK of the day copies it,
	// another might not, and the caller may reuse it.
	bounds := slices.Clone(o.Buckets)
	if len(bounds) == 0 {
		bounds = slices.Clone(defaultBuckets)
	}
	for i, b := range bounds {
		if math.IsNaN(b) || i > 0 && b <= bounds[i-1] {
			return nil, fmt.Errorf("%w: %v", errBuckets, o.Buckets)
		}
	}
	for _, kv := range o.Attributes {
		if kv.Key == StreamKey || kv.Key == ReasonKey {
			return nil, fmt.Errorf("otel: Options.Attributes names %s, which Metrics sets itself", kv.Key)
		}
	}
	meter := mp.Meter(scope)
	name := func(s string) string { return o.Prefix + "." + s }
	m := &Metrics{base: slices.Clone(o.Attributes)}
	items, err := meter.Int64ObservableCounter(name("items"),
		metric.WithUnit("{item}"), metric.WithDescription("Values sent on the channels of sluice streams."))
	if err != nil {
		return nil, fmt.Errorf("otel: creating %s: %w", name("items"), err)
	}
	saturation, err := meter.Float64ObservableGauge(name("buffer.saturation"),
		metric.WithUnit("1"), metric.WithDescription("Fill of a sluice stream's channel buffer (len/cap) after its last send; 0 when unbuffered."))
	if err != nil {
		return nil, fmt.Errorf("otel: creating %s: %w", name("buffer.saturation"), err)
	}
	if m.wait, err = meter.Float64Histogram(name("send.wait"),
		metric.WithUnit("s"), metric.WithDescription("How long each send of a sluice stream waited for the consumer (0 if it did not wait)."),
		metric.WithExplicitBucketBoundaries(bounds...)); err != nil {
		return nil, fmt.Errorf("otel: creating %s: %w", name("send.wait"), err)
	}
	if m.ends, err = meter.Int64Counter(name("stream.ends"),
		metric.WithUnit("{stream}"), metric.WithDescription("Sluice streams ended, by sluice.reason: exhausted, stopped, canceled, deadline_exceeded or failed.")); err != nil {
		return nil, fmt.Errorf("otel: creating %s: %w", name("stream.ends"), err)
	}
	m.reg, err = meter.RegisterCallback(func(_ context.Context, obs metric.Observer) error {
		m.each(func(s *series) {
			obs.ObserveInt64(items, s.items.Load(), s.attrs)
			obs.ObserveFloat64(saturation, math.Float64frombits(s.saturation.Load()), s.attrs)
		})
		return nil
	}, items, saturation)
	if err != nil {
		return nil, fmt.Errorf("otel: registering the callback of %s and %s: %w", name("items"), name("buffer.saturation"), err)
	}
	return m, nil
}

// Close unregisters the callback that reports sluice.items and
// sluice.buffer.saturation; the synchronous instruments stay with the
// meter provider. Sends observed after Close are still counted, but no
// longer reported.
func (m *Metrics) Close() error { return m.reg.Unregister() }

// Sent records a send: the values it carried, its wait and the buffer's
// saturation.
func (m *Metrics) Sent(e sluice.SendEvent) {
	s := m.stream(e.Stream)
	s.items.Add(int64(max(e.Values, 1)))
	m.wait.Record(context.Background(), e.Wait.Seconds(), s.record...)
	var sat float64
	if e.Cap > 0 {
		sat = float64(e.Len) / float64(e.Cap)
	}
	// Mostly steady: skip the store, and the cache line's ownership,
	// when it did not change (as observe/prom does).
	if bits := math.Float64bits(sat); s.saturation.Load() != bits {
		s.saturation.Store(bits)
	}
}

// Ended counts the end of a stream by its reason. It also makes the
// stream's series, so that a stream that ended without sending reports
// sluice.items 0 rather than nothing.
func (m *Metrics) Ended(e sluice.EndEvent) {
	s := m.stream(e.Stream)
	attrs := append(slices.Clone(m.base), StreamKey.String(s.label), ReasonKey.String(e.Reason.String()))
	m.ends.Add(context.Background(), 1, metric.WithAttributes(attrs...))
}

// stream returns the series of the stream named name, making it on the
// first event of that name.
func (m *Metrics) stream(name string) *series {
	if s, ok := m.streams.Load(name); ok {
		return s.(*series)
	}
	// Attribute values should be valid UTF-8; a stream name need not be.
	// Names that differ only in invalid bytes share the series of their
	// label, stored under the label, and the name is an alias of it.
	label := strings.ToValidUTF8(name, "\uFFFD")
	attrs := append(slices.Clone(m.base), StreamKey.String(label))
	set := attribute.NewSet(attrs...)
	opt := metric.WithAttributeSet(set)
	v, _ := m.streams.LoadOrStore(label, &series{label: label, attrs: opt, record: []metric.RecordOption{opt}})
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
