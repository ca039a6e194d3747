package prom_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/observetest"
	"github.com/sluice-go/sluice/observe/prom"
)

// TestStreams drives real streams (observetest.Streams), one for each way
// a stream can end, through one Metrics, and reads the metrics back from
// the registry.
func TestStreams(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := prom.New(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	observetest.Streams(t, m)

	wantItems := map[string]float64{
		"stream=batches":    100,
		"stream=unbuffered": 100,
		"stream=buffered":   100,
		"stream=three":      3,
		"stream=":           10,
		"stream=stopped":    5,
		"stream=canceled":   3,
		"stream=deadline":   2,
		"stream=failed":     4,
		"stream=merge":      150,
	}
	items := gather(t, reg, "sluice_items_total")
	if len(items) != len(wantItems) {
		t.Errorf("sluice_items_total series = %s, want %s", observetest.Keys(items), observetest.Keys(wantItems))
	}
	if n, err := testutil.GatherAndCount(reg, "sluice_items_total"); err != nil || n != len(wantItems) {
		t.Errorf("GatherAndCount(sluice_items_total) = %d, %v; want %d", n, err, len(wantItems))
	}
	waits := gather(t, reg, "sluice_send_wait_seconds")
	sats := gather(t, reg, "sluice_buffer_saturation")
	for k, want := range wantItems {
		if got := items[k].value; got != want {
			t.Errorf("sluice_items_total{%s} = %v, want %v", k, got, want)
		}
		if got := waits[k].count; got != uint64(want) {
			t.Errorf("sluice_send_wait_seconds{%s} sample count = %d, want %v (one per item)", k, got, want)
		}
		s, ok := sats[k]
		if !ok || s.value < 0 || s.value > 1 {
			t.Errorf("sluice_buffer_saturation{%s} = %v (present %v), want a value in [0, 1]", k, s.value, ok)
		}
	}
	for _, k := range []string{"stream=unbuffered", "stream=", "stream=stopped", "stream=canceled", "stream=deadline"} {
		if got := sats[k].value; got != 0 {
			t.Errorf("sluice_buffer_saturation{%s} = %v, want 0 for an unbuffered stream", k, got)
		}
	}
	if got := sats["stream=three"].value; got != 3.0/8 {
		t.Errorf("sluice_buffer_saturation{stream=three} = %v, want 3/8", got)
	}

	const wantEnds = `
# HELP sluice_stream_ends_total Sluice streams ended, by reason: exhausted, stopped, canceled, deadline_exceeded or failed.
# TYPE sluice_stream_ends_total counter
sluice_stream_ends_total{reason="exhausted",stream=""} 1
sluice_stream_ends_total{reason="exhausted",stream="batches"} 1
sluice_stream_ends_total{reason="exhausted",stream="buffered"} 1
sluice_stream_ends_total{reason="exhausted",stream="merge"} 1
sluice_stream_ends_total{reason="exhausted",stream="three"} 1
sluice_stream_ends_total{reason="exhausted",stream="unbuffered"} 1
sluice_stream_ends_total{reason="stopped",stream="stopped"} 1
sluice_stream_ends_total{reason="canceled",stream="canceled"} 1
sluice_stream_ends_total{reason="deadline_exceeded",stream="deadline"} 1
sluice_stream_ends_total{reason="failed",stream="failed"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(wantEnds), "sluice_stream_ends_total"); err != nil {
		t.Error(err)
	}
}

// TestConcurrent shares one Metrics between streams running at once,
// several of the same name, and merges, for the race detector, and checks
// that no count is lost.
func TestConcurrent(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := prom.New(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	const streams, perStream = 12, 300
	var wg sync.WaitGroup
	for i := range streams {
		wg.Go(func() {
			name := fmt.Sprintf("s%d", i%3)
			opts := &sluice.StreamOptions{Name: name, Buffer: i % 2 * 16, Observer: m}
			var ch <-chan int
			var stop func() error
			if i%4 == 0 {
				part := func(context.Context) iter.Seq2[int, error] { return ints(perStream/3, nil) }
				ch, stop = sluice.Merge(context.Background(), []func(context.Context) iter.Seq2[int, error]{part, part, part}, opts)
			} else {
				ch, stop = sluice.Stream(context.Background(), ints(perStream, nil), opts)
			}
			observetest.Drain(ch, -1)
			if err := stop(); err != nil {
				t.Error(err)
			}
		})
	}
	// Many goroutines meeting a new name at the same moment.
	for range 8 {
		wg.Go(func() {
			for range perStream {
				m.Sent(sluice.SendEvent{Stream: "direct", Len: 1, Cap: 2})
			}
		})
	}
	wg.Wait()

	items := gather(t, reg, "sluice_items_total")
	waits := gather(t, reg, "sluice_send_wait_seconds")
	ends := gather(t, reg, "sluice_stream_ends_total")
	for _, name := range []string{"s0", "s1", "s2"} {
		k := "stream=" + name
		if got, want := items[k].value, float64(streams/3*perStream); got != want {
			t.Errorf("sluice_items_total{%s} = %v, want %v", k, got, want)
		}
		if got, want := waits[k].count, uint64(streams/3*perStream); got != want {
			t.Errorf("sluice_send_wait_seconds{%s} count = %v, want %v", k, got, want)
		}
		if got, want := ends["reason=exhausted,"+k].value, float64(streams/3); got != want {
			t.Errorf("sluice_stream_ends_total{%s,reason=exhausted} = %v, want %v", k, got, want)
		}
	}
	if got, want := items["stream=direct"].value, float64(8*perStream); got != want {
		t.Errorf("sluice_items_total{stream=direct} = %v, want %v", got, want)
	}
	if got := gather(t, reg, "sluice_buffer_saturation")["stream=direct"].value; got != 0.5 {
		t.Errorf("sluice_buffer_saturation{stream=direct} = %v, want 0.5", got)
	}
}

// A stream that ends without sending has its series all the same.
func TestEndedWithoutItems(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := prom.New(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ch, stop := sluice.Stream(context.Background(), ints(0, nil), &sluice.StreamOptions{Name: "empty", Observer: m})
	observetest.Drain(ch, -1)
	observetest.MustStop(t, "empty", stop, nil)
	if s, ok := gather(t, reg, "sluice_items_total")["stream=empty"]; !ok || s.value != 0 {
		t.Errorf("sluice_items_total{stream=empty} = %v (present %v), want 0", s.value, ok)
	}
	if s := gather(t, reg, "sluice_stream_ends_total")["reason=exhausted,stream=empty"]; s.value != 1 {
		t.Errorf("sluice_stream_ends_total{stream=empty,reason=exhausted} = %v, want 1", s.value)
	}
}

// A name that is not valid UTF-8 cannot be a label value as it is; it must
// not make the observer panic.
func TestInvalidUTF8Name(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := prom.New(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ch, stop := sluice.Stream(context.Background(), ints(2, nil), &sluice.StreamOptions{Name: "bad\xffname", Observer: m})
	observetest.Drain(ch, -1)
	observetest.MustStop(t, "invalid UTF-8", stop, nil)
	if got := gather(t, reg, "sluice_items_total")["stream=bad\uFFFDname"].value; got != 2 {
		t.Errorf("sluice_items_total{stream=bad\\uFFFDname} = %v, want 2", got)
	}
	if got := gather(t, reg, "sluice_stream_ends_total")["reason=exhausted,stream=bad\uFFFDname"].value; got != 1 {
		t.Errorf("sluice_stream_ends_total{stream=bad\\uFFFDname} = %v, want 1", got)
	}
}

func TestOptions(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := prom.New(reg, &prom.Options{
		Namespace:   "app",
		ConstLabels: prometheus.Labels{"service": "sync"},
		Buckets:     []float64{0.001, 0.5, 2},
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Sent(sluice.SendEvent{Stream: "s", Wait: time.Second, Len: 1, Cap: 4})
	m.Ended(sluice.EndEvent{Stream: "s", Items: 1, Reason: sluice.Failed, Err: errors.New("x")})

	for name, key := range map[string]string{
		"app_items_total":       "service=sync,stream=s",
		"app_send_wait_seconds": "service=sync,stream=s",
		"app_buffer_saturation": "service=sync,stream=s",
		"app_stream_ends_total": "reason=failed,service=sync,stream=s",
	} {
		got := gather(t, reg, name)
		if _, ok := got[key]; !ok || len(got) != 1 {
			t.Errorf("%s series = %s, want [%s]", name, observetest.Keys(got), key)
		}
	}
	if got := gather(t, reg, "app_send_wait_seconds")["service=sync,stream=s"].buckets; fmt.Sprint(got) != "[0.001 0.5 2]" {
		t.Errorf("buckets = %v, want [0.001 0.5 2]", got)
	}
	if got := gather(t, reg, "app_buffer_saturation")["service=sync,stream=s"].value; got != 0.25 {
		t.Errorf("app_buffer_saturation = %v, want 0.25", got)
	}
	if n, err := testutil.GatherAndCount(reg); err != nil || n != 4 {
		t.Errorf("GatherAndCount = %d, %v; want 4 series, nothing named sluice_*", n, err)
	}
}

func TestDefaultBuckets(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := prom.New(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Sent(sluice.SendEvent{Stream: "s"})
	got := gather(t, reg, "sluice_send_wait_seconds")["stream=s"].buckets
	if len(got) != 15 || got[0] != 1e-6 || got[len(got)-1] != 10 {
		t.Errorf("default buckets = %v, want 15 from 1e-06 to 10", got)
	}
}

// The caller's bucket slice is copied: changing it later does not reach
// the streams that appear afterwards.
func TestBucketsCopied(t *testing.T) {
	reg := prometheus.NewRegistry()
	buckets := []float64{1, 2}
	m, err := prom.New(reg, &prom.Options{Buckets: buckets})
	if err != nil {
		t.Fatal(err)
	}
	buckets[0], buckets[1] = 5, 3 // out of order: the client would panic on it
	m.Sent(sluice.SendEvent{Stream: "later"})
	if got := gather(t, reg, "sluice_send_wait_seconds")["stream=later"].buckets; fmt.Sprint(got) != "[1 2]" {
		t.Errorf("buckets = %v, want [1 2]", got)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := prom.New(nil, nil); err == nil || !strings.Contains(err.Error(), "nil") {
		t.Errorf("New(nil, nil) = %v, want an error about the nil Registerer", err)
	}
	for _, tt := range []struct {
		name string
		opts prom.Options
		want string
	}{
		{"unordered buckets", prom.Options{Buckets: []float64{1, 0.5}}, "increasing"},
		{"equal buckets", prom.Options{Buckets: []float64{1, 1}}, "increasing"},
		{"NaN bucket", prom.Options{Buckets: []float64{0.1, nan()}}, "NaN"},
		{"stream const label", prom.Options{ConstLabels: prometheus.Labels{"stream": "x"}}, "stream"},
		{"empty const label name", prom.Options{ConstLabels: prometheus.Labels{"": "x"}}, "label name"},
		{"invalid const label value", prom.Options{ConstLabels: prometheus.Labels{"service": "\xff"}}, "UTF-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			m, err := prom.New(reg, &tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, %v; want an error mentioning %q", m, err, tt.want)
			}
			if m != nil {
				t.Errorf("New returned a Metrics with its error")
			}
			assertClean(t, reg, "sluice")
		})
	}
}

func nan() float64 { var zero float64; return zero / zero }

// assertClean checks that no collector of namespace ns is registered with
// reg, by registering them again.
func assertClean(t *testing.T, reg *prometheus.Registry, ns string) {
	t.Helper()
	m, err := prom.New(reg, &prom.Options{Namespace: ns})
	if err != nil {
		t.Errorf("after a failed New the registry is not clean: %v", err)
		return
	}
	_ = m
}

func TestNewTwice(t *testing.T) {
	reg := prometheus.NewRegistry()
	m1, err := prom.New(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := prom.New(reg, nil)
	if err == nil {
		t.Fatalf("second New on one registry = %v, nil; want an error", m2)
	}
	if !strings.Contains(err.Error(), "sluice_items_total") || !strings.Contains(err.Error(), "already registered") {
		t.Errorf("second New: %v; want an error naming sluice_items_total as already registered", err)
	}
	if !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
		t.Errorf("second New: %v; want it to wrap prometheus.AlreadyRegisteredError", err)
	}
	// The failed New left the first one's collectors in place.
	m1.Sent(sluice.SendEvent{Stream: "s"})
	m1.Ended(sluice.EndEvent{Stream: "s", Items: 1})
	if got := gather(t, reg, "sluice_items_total")["stream=s"].value; got != 1 {
		t.Errorf("after a failed second New, sluice_items_total{stream=s} = %v, want 1", got)
	}
	if got := gather(t, reg, "sluice_stream_ends_total")["reason=exhausted,stream=s"].value; got != 1 {
		t.Errorf("after a failed second New, sluice_stream_ends_total{stream=s} = %v, want 1", got)
	}
	// Another namespace on the same registry is fine.
	if _, err := prom.New(reg, &prom.Options{Namespace: "other"}); err != nil {
		t.Errorf("New with another Namespace on the same registry: %v", err)
	}
}

// When the last of the four collectors cannot be registered, the first
// three are unregistered again.
func TestNewPartialFailure(t *testing.T) {
	reg := prometheus.NewRegistry()
	// The registry keeps the label names and help of every metric name it
	// has seen, even after Unregister, so the blocker has the shape of
	// New's own collector, and New can succeed once it is gone.
	blocker := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_stream_ends_total",
		Help: "Sluice streams ended, by reason: exhausted, stopped, canceled, deadline_exceeded or failed.",
	}, []string{"stream", "reason"})
	reg.MustRegister(blocker)
	_, err := prom.New(reg, nil)
	if err == nil || !strings.Contains(err.Error(), "sluice_stream_ends_total") {
		t.Fatalf("New = %v; want an error naming sluice_stream_ends_total", err)
	}
	reg.Unregister(blocker)
	// Had the failed New left sluice_items_total and the others
	// registered, this would fail as a duplicate.
	if _, err := prom.New(reg, nil); err != nil {
		t.Errorf("New after the blocker is gone: %v; the failed New left collectors registered", err)
	}
}

// A collector of the same name but another shape is refused too, and the
// error names it.
func TestNewConflict(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "sluice_buffer_saturation", Help: "someone else's"}))
	_, err := prom.New(reg, nil)
	if err == nil || !strings.Contains(err.Error(), "registering sluice_buffer_saturation") {
		t.Fatalf("New = %v; want an error naming sluice_buffer_saturation", err)
	}
}

// Waits land in the bucket whose upper bound is the first at least as
// long (le is inclusive), and the sum is their total.
func TestWaitBuckets(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := prom.New(reg, &prom.Options{Buckets: []float64{0.001, 0.5, 2, math.Inf(+1)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []time.Duration{0, time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond, 3 * time.Second} {
		m.Sent(sluice.SendEvent{Stream: "w", Wait: w})
	}
	const want = `
# HELP sluice_send_wait_seconds How long each send of a sluice stream waited for the consumer (0 if it did not wait).
# TYPE sluice_send_wait_seconds histogram
sluice_send_wait_seconds_bucket{stream="w",le="0.001"} 2
sluice_send_wait_seconds_bucket{stream="w",le="0.5"} 4
sluice_send_wait_seconds_bucket{stream="w",le="2"} 4
sluice_send_wait_seconds_bucket{stream="w",le="+Inf"} 5
sluice_send_wait_seconds_sum{stream="w"} 3.901
sluice_send_wait_seconds_count{stream="w"} 5
# HELP sluice_items_total Values sent on the channels of sluice streams.
# TYPE sluice_items_total counter
sluice_items_total{stream="w"} 5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "sluice_send_wait_seconds", "sluice_items_total"); err != nil {
		t.Error(err)
	}
}

// Two names that differ only in bytes that are not UTF-8 have one label,
// and so one series, not two that would break the scrape.
func TestInvalidUTF8Alias(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := prom.New(reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Sent(sluice.SendEvent{Stream: "a\xff"})
	m.Sent(sluice.SendEvent{Stream: "a\xfe"})
	m.Sent(sluice.SendEvent{Stream: "a\uFFFD"})
	m.Ended(sluice.EndEvent{Stream: "a\xfe", Items: 1})
	items := gather(t, reg, "sluice_items_total")
	if len(items) != 1 || items["stream=a\uFFFD"].value != 3 {
		t.Errorf("sluice_items_total = %v, want one series stream=a\\uFFFD of 3", items)
	}
}
