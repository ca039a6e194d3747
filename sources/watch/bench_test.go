package watch_test

import (
	"context"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/sluice-go/sluice/sources/watch"
)

// BenchmarkIdleLatency measures the latency of one event at an idle
// watcher: from just before a write(2) to the file to the delivery of its
// Write event, one write at a time. Each implementation watches its own
// directory in the same run: raw fsnotify (receiving from its Events
// channel), watch.Stream, watch.All (pulled with iter.Pull2), and
// watch.Stream with a Debounce of 10ms (whose latency is the window by
// design). It reports p50 and p99 of the latency; ns/op is the mean.
func BenchmarkIdleLatency(b *testing.B) {
	type impl struct {
		name string
		// open watches dir and returns a function that waits for the
		// next event of path with the Write bit, and a stop.
		open func(b *testing.B, dir, path string) (func(), func())
	}
	impls := []impl{
		{"fsnotify", func(b *testing.B, dir, path string) (func(), func()) {
			w, err := fsnotify.NewWatcher()
			if err != nil {
				b.Fatal(err)
			}
			if err := w.Add(dir); err != nil {
				b.Fatal(err)
			}
			next := func() {
				for {
					select {
					case e := <-w.Events:
						if e.Name == path && e.Op.Has(fsnotify.Write) {
							return
						}
					case err := <-w.Errors:
						b.Fatal(err)
					}
				}
			}
			return next, func() { w.Close() }
		}},
		{"watch.Stream", func(b *testing.B, dir, path string) (func(), func()) {
			return streamNext(b, dir, path, nil)
		}},
		{"watch.All", func(b *testing.B, dir, path string) (func(), func()) {
			ctx, cancel := context.WithCancel(context.Background())
			ready := make(chan struct{})
			opts := &watch.Options{OnReady: func() { close(ready) }}
			pull, stop := iter.Pull2(watch.All(ctx, dir, opts))
			next := func() {
				for {
					e, err, ok := pull()
					if !ok || err != nil {
						b.Fatalf("watch ended: %v", err)
					}
					if e.Path == path && e.Op.Has(watch.Write) {
						return
					}
				}
			}
			// All is lazy: the first pull sets the watch up. Make it
			// report one write, outside the measurements.
			first := make(chan struct{})
			go func() { next(); close(first) }()
			<-ready
			f, err := os.OpenFile(path, os.O_WRONLY, 0) // no O_TRUNC: one event
			if err != nil {
				b.Fatal(err)
			}
			_, err = f.Write([]byte("x"))
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			<-first
			return next, func() { cancel(); stop() }
		}},
		{"watch.Stream+Debounce10ms", func(b *testing.B, dir, path string) (func(), func()) {
			return streamNext(b, dir, path, &watch.Options{Debounce: 10 * time.Millisecond})
		}},
	}
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			dir := b.TempDir()
			path := filepath.Join(dir, "f")
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			next, stop := im.open(b, dir, path)
			defer stop()
			var lat []time.Duration
			for b.Loop() {
				start := time.Now()
				if _, err := f.Write([]byte("x")); err != nil {
					b.Fatal(err)
				}
				next()
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(percentile(lat, 50).Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(percentile(lat, 99).Nanoseconds()), "p99-ns")
		})
	}
}

func streamNext(b *testing.B, dir, path string, opts *watch.Options) (func(), func()) {
	events, stop := watch.Stream(context.Background(), dir, opts)
	next := func() {
		for e := range events {
			if e.Path == path && e.Op.Has(watch.Write) {
				return
			}
		}
		b.Fatalf("watch ended: %v", stop())
	}
	return next, func() { _ = stop() }
}

// percentile returns the p-th percentile of sorted.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100]
}
