package otel_test

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/observetest"
	"github.com/sluice-go/sluice/observe/otel"
)

// TestStreams reads back what one Metrics recorded of observetest.Streams:
// a stream for each way a stream ends and each kind of send.
func TestStreams(t *testing.T) {
	m, reader := newMetrics(t, nil)
	observetest.Streams(t, m)

	wantItems := map[string]float64{
		"sluice.stream=batches":    100,
		"sluice.stream=unbuffered": 100,
		"sluice.stream=buffered":   100,
		"sluice.stream=three":      3,
		"sluice.stream=":           10,
		"sluice.stream=stopped":    5,
		"sluice.stream=canceled":   3,
		"sluice.stream=deadline":   2,
		"sluice.stream=failed":     4,
		"sluice.stream=merge":      150,
	}
	items := collect(t, reader, "sluice.items")
	if len(items) != len(wantItems) {
		t.Errorf("sluice.items points = %s, want %s", observetest.Keys(items), observetest.Keys(wantItems))
	}
	waits := collect(t, reader, "sluice.send.wait")
	sats := collect(t, reader, "sluice.buffer.saturation")
	for k, want := range wantItems {
		if got := items[k].value; got != want {
			t.Errorf("sluice.items{%s} = %v, want %v", k, got, want)
		}
		wantSends := uint64(want)
		if k == "sluice.stream=batches" {
			wantSends = 13
		}
		if got := waits[k].count; got != wantSends {
			t.Errorf("sluice.send.wait{%s} count = %d, want %d (one per send)", k, got, wantSends)
		}
		s, ok := sats[k]
		if !ok || s.value < 0 || s.value > 1 {
			t.Errorf("sluice.buffer.saturation{%s} = %v (present %v), want a value in [0, 1]", k, s.value, ok)
		}
	}
	for _, k := range []string{"sluice.stream=unbuffered", "sluice.stream=", "sluice.stream=stopped"} {
		if got := sats[k].value; got != 0 {
			t.Errorf("sluice.buffer.saturation{%s} = %v, want 0 for an unbuffered stream", k, got)
		}
	}
	if got := sats["sluice.stream=three"].value; got != 3.0/8 {
		t.Errorf("sluice.buffer.saturation{sluice.stream=three} = %v, want 3/8", got)
	}
	wantEnds := map[string]float64{
		"sluice.reason=exhausted,sluice.stream=":                 1,
		"sluice.reason=exhausted,sluice.stream=batches":          1,
		"sluice.reason=exhausted,sluice.stream=buffered":         1,
		"sluice.reason=exhausted,sluice.stream=merge":            1,
		"sluice.reason=exhausted,sluice.stream=three":            1,
		"sluice.reason=exhausted,sluice.stream=unbuffered":       1,
		"sluice.reason=stopped,sluice.stream=stopped":            1,
		"sluice.reason=canceled,sluice.stream=canceled":          1,
		"sluice.reason=deadline_exceeded,sluice.stream=deadline": 1,
		"sluice.reason=failed,sluice.stream=failed":              1,
	}
	ends := collect(t, reader, "sluice.stream.ends")
	if len(ends) != len(wantEnds) {
		t.Errorf("sluice.stream.ends points = %s, want %s", observetest.Keys(ends), observetest.Keys(wantEnds))
	}
	for k, want := range wantEnds {
		if got := ends[k].value; got != want {
			t.Errorf("sluice.stream.ends{%s} = %v, want %v", k, got, want)
		}
	}
}

func TestConcurrent(t *testing.T) {
	m, reader := newMetrics(t, nil)
	const streams, perStream = 12, 300
	var wg sync.WaitGroup
	for i := range streams {
		wg.Go(func() {
			opts := &sluice.StreamOptions{Name: fmt.Sprintf("s%d", i%3), Buffer: i % 2 * 16, Observer: m}
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
	// Many goroutines meeting a new name at the same moment, while the
	// reader collects.
	for range 8 {
		wg.Go(func() {
			for range perStream {
				m.Sent(sluice.SendEvent{Stream: "direct", Len: 1, Cap: 2})
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			collect(t, reader, "sluice.items")
		}
	})
	wg.Wait()

	items := collect(t, reader, "sluice.items")
	waits := collect(t, reader, "sluice.send.wait")
	ends := collect(t, reader, "sluice.stream.ends")
	for _, name := range []string{"s0", "s1", "s2"} {
		k := "sluice.stream=" + name
		if got, want := items[k].value, float64(streams/3*perStream); got != want {
			t.Errorf("sluice.items{%s} = %v, want %v", k, got, want)
		}
		if got, want := waits[k].count, uint64(streams/3*perStream); got != want {
			t.Errorf("sluice.send.wait{%s} count = %v, want %v", k, got, want)
		}
		if got, want := ends["sluice.reason=exhausted,"+k].value, float64(streams/3); got != want {
			t.Errorf("sluice.stream.ends{%s,exhausted} = %v, want %v", k, got, want)
		}
	}
	if got, want := items["sluice.stream=direct"].value, float64(8*perStream); got != want {
		t.Errorf("sluice.items{direct} = %v, want %v", got, want)
	}
	if got := collect(t, reader, "sluice.buffer.saturation")["sluice.stream=direct"].value; got != 0.5 {
		t.Errorf("sluice.buffer.saturation{direct} = %v, want 0.5", got)
	}
}

// A stream that ends without sending reports sluice.items 0.
func TestEndedWithoutItems(t *testing.T) {
	m, reader := newMetrics(t, nil)
	ch, stop := sluice.Stream(context.Background(), ints(0, nil), &sluice.StreamOptions{Name: "empty", Observer: m})
	observetest.Drain(ch, -1)
	observetest.MustStop(t, "empty", stop, nil)
	if p, ok := collect(t, reader, "sluice.items")["sluice.stream=empty"]; !ok || p.value != 0 {
		t.Errorf("sluice.items{empty} = %v (present %v), want 0", p.value, ok)
	}
}

// Names that differ only in bytes that are not UTF-8 share one series.
func TestInvalidUTF8Name(t *testing.T) {
	m, reader := newMetrics(t, nil)
	m.Sent(sluice.SendEvent{Stream: "a\xff"})
	m.Sent(sluice.SendEvent{Stream: "a\xfe"})
	m.Sent(sluice.SendEvent{Stream: "a\uFFFD"})
	m.Ended(sluice.EndEvent{Stream: "a\xfe", Items: 1})
	items := collect(t, reader, "sluice.items")
	if len(items) != 1 || items["sluice.stream=a\uFFFD"].value != 3 {
		t.Errorf("sluice.items = %v, want one point sluice.stream=a\\uFFFD of 3", items)
	}
	if got := collect(t, reader, "sluice.stream.ends")["sluice.reason=exhausted,sluice.stream=a\uFFFD"].value; got != 1 {
		t.Errorf("sluice.stream.ends{a\\uFFFD} = %v, want 1", got)
	}
}

func TestWaitBuckets(t *testing.T) {
	m, reader := newMetrics(t, &otel.Options{Buckets: []float64{0.001, 0.5, 2}})
	for _, w := range []time.Duration{0, time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond, 3 * time.Second} {
		m.Sent(sluice.SendEvent{Stream: "w", Wait: w})
	}
	p := collect(t, reader, "sluice.send.wait")["sluice.stream=w"]
	if !slices.Equal(p.bounds, []float64{0.001, 0.5, 2}) || !slices.Equal(p.buckets, []uint64{2, 2, 0, 1}) || p.count != 5 || math.Abs(p.sum-3.901) > 1e-9 {
		t.Errorf("sluice.send.wait{w} = %+v; want bounds [0.001 0.5 2], buckets [2 2 0 1], count 5, sum 3.901", p)
	}
}

func TestDefaultBuckets(t *testing.T) {
	m, reader := newMetrics(t, nil)
	m.Sent(sluice.SendEvent{Stream: "d"})
	p := collect(t, reader, "sluice.send.wait")["sluice.stream=d"]
	want := []float64{1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10}
	if !slices.Equal(p.bounds, want) {
		t.Errorf("default bounds = %v, want %v", p.bounds, want)
	}
}

func TestOptions(t *testing.T) {
	m, reader := newMetrics(t, &otel.Options{Prefix: "etl", Attributes: []attribute.KeyValue{attribute.String("service", "sync")}})
	m.Sent(sluice.SendEvent{Stream: "x"})
	m.Ended(sluice.EndEvent{Stream: "x", Reason: sluice.Failed})
	if got := collect(t, reader, "etl.items")["service=sync,sluice.stream=x"].value; got != 1 {
		t.Errorf("etl.items{service=sync,sluice.stream=x} = %v, want 1 (points %s)", got, observetest.Keys(collect(t, reader, "etl.items")))
	}
	if got := collect(t, reader, "etl.stream.ends")["service=sync,sluice.reason=failed,sluice.stream=x"].value; got != 1 {
		t.Errorf("etl.stream.ends = %v, want 1 (points %s)", got, observetest.Keys(collect(t, reader, "etl.stream.ends")))
	}
	if n := len(collect(t, reader, "sluice.items")); n != 0 {
		t.Errorf("sluice.items has %d points with Prefix etl, want none", n)
	}
}

// After Close the callback no longer reports.
func TestClose(t *testing.T) {
	m, reader := newMetrics(t, nil)
	m.Sent(sluice.SendEvent{Stream: "c"})
	if n := len(collect(t, reader, "sluice.items")); n != 1 {
		t.Fatalf("sluice.items has %d points before Close, want 1", n)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(collect(t, reader, "sluice.items")); n != 0 {
		t.Errorf("sluice.items has %d points after Close, want 0", n)
	}
}

func TestNewErrors(t *testing.T) {
	mp := sdkmetric.NewMeterProvider()
	defer func() { _ = mp.Shutdown(context.Background()) }()
	for _, tt := range []struct {
		name string
		opts *otel.Options
		want string
	}{
		{"unsorted buckets", &otel.Options{Buckets: []float64{1, 0.5}}, "otel: Options.Buckets must be in increasing order"},
		{"NaN bucket", &otel.Options{Buckets: []float64{math.NaN()}}, "otel: Options.Buckets must be in increasing order"},
		{"stream attribute", &otel.Options{Attributes: []attribute.KeyValue{otel.StreamKey.String("x")}}, "names sluice.stream"},
		{"reason attribute", &otel.Options{Attributes: []attribute.KeyValue{otel.ReasonKey.String("x")}}, "names sluice.reason"},
		{"bad prefix", &otel.Options{Prefix: "9 bad"}, "otel: creating 9 bad.items"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := otel.New(mp, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, %v; want an error containing %q", m, err, tt.want)
			}
		})
	}
	if m, err := otel.New(nil, nil); err == nil || !strings.Contains(err.Error(), "nil metric.MeterProvider") {
		t.Errorf("New(nil) = %v, %v; want the nil provider error", m, err)
	}
}

// Sent on a stream already seen allocates nothing: the attribute set and
// the option slice are made once per stream (BENCHMARKS.md; a first
// version allocated 16 B per send).
func TestSentAllocs(t *testing.T) {
	m, _ := newMetrics(t, nil)
	e := sluice.SendEvent{Stream: "a", Wait: time.Millisecond, Len: 1, Cap: 4}
	m.Sent(e)
	if n := testing.AllocsPerRun(100, func() { m.Sent(e) }); n != 0 {
		t.Errorf("Sent allocates %v times per call, want 0", n)
	}
}
