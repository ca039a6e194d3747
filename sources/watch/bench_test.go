package watch_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"syscall"
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

// burstFiles is the number of files created by one burst.
const burstFiles = 10000

// A burstImpl opens a watch on root (whose directories are dirs, root
// included) for BenchmarkBurstLatency. next blocks for the next event and
// reports its path, whether it has the Create and the Write bits, whether
// it says the kernel's queue overflowed, and ok false once the watch has
// ended. ready is closed once every directory is watched. stop ends the
// watch: next then returns ok false.
type burstImpl struct {
	name string
	open func(b *testing.B, root string, dirs []string) (next func() (path string, create, write, overflow, ok bool), ready <-chan struct{}, stop func())
}

func burstImpls() []burstImpl {
	closed := make(chan struct{})
	close(closed)
	fromStream := func(debounce time.Duration) func(b *testing.B, root string, dirs []string) (func() (string, bool, bool, bool, bool), <-chan struct{}, func()) {
		return func(b *testing.B, root string, dirs []string) (func() (string, bool, bool, bool, bool), <-chan struct{}, func()) {
			events, stop := watch.Stream(context.Background(), root, &watch.Options{Debounce: debounce})
			next := func() (string, bool, bool, bool, bool) {
				e, ok := <-events
				return e.Path, e.Op.Has(watch.Create), e.Op.Has(watch.Write), e.Op.Has(watch.Rescan), ok
			}
			return next, closed, func() { _ = stop() }
		}
	}
	return []burstImpl{
		{"fsnotify", func(b *testing.B, root string, dirs []string) (func() (string, bool, bool, bool, bool), <-chan struct{}, func()) {
			w, err := fsnotify.NewWatcher()
			if err != nil {
				b.Fatal(err)
			}
			for _, d := range dirs {
				if err := w.Add(d); err != nil {
					b.Fatal(err)
				}
			}
			next := func() (string, bool, bool, bool, bool) {
				for {
					select {
					case e, ok := <-w.Events:
						return e.Name, e.Op.Has(fsnotify.Create), e.Op.Has(fsnotify.Write), false, ok
					case err, ok := <-w.Errors:
						if !ok {
							return "", false, false, false, false
						}
						if errors.Is(err, fsnotify.ErrEventOverflow) {
							return root, false, false, true, true
						}
						b.Error(err)
					}
				}
			}
			return next, closed, func() { w.Close() }
		}},
		{"watch.Stream", fromStream(0)},
		{"watch.All", func(b *testing.B, root string, dirs []string) (func() (string, bool, bool, bool, bool), <-chan struct{}, func()) {
			ctx, cancel := context.WithCancel(context.Background())
			ready := make(chan struct{})
			pull, stop := iter.Pull2(watch.All(ctx, root, &watch.Options{OnReady: func() { close(ready) }}))
			next := func() (string, bool, bool, bool, bool) {
				e, err, ok := pull()
				if !ok || err != nil {
					stop() // from the consumer's goroutine, as pull
					return "", false, false, false, false
				}
				return e.Path, e.Op.Has(watch.Create), e.Op.Has(watch.Write), e.Op.Has(watch.Rescan), true
			}
			// The consumer's goroutine pulls, so it calls iter.Pull2's
			// stop itself once the watch ended; stopping only cancels.
			return next, ready, cancel
		}},
		{"watch.Stream+Debounce10ms", fromStream(10 * time.Millisecond)},
	}
}

// BenchmarkBurstLatency measures the latency of one event during a burst:
// while another goroutine creates burstFiles empty files as fast as it can,
// spread over 100 leaf directories of a nested tree (root/dNN/sNN), a probe
// writes one byte to root/marker every 500µs and measures from just before
// the write to the delivery of its Write event, one write at a time. One
// goroutine consumes every event; an iteration ends once the burst is over
// and every Create of it has been delivered (or the kernel's queue
// overflowed: see rescans/op). Each implementation watches its own tree in
// the same run; raw fsnotify adds a watch on each of the 111 directories
// itself. It reports p50 and p99 of the latency, the events delivered per
// burst, and cpu-ns/10kev: the user+sys CPU time of the process
// (getrusage) per 10,000 events delivered, less the CPU time of the thread
// that created the files (the burst goroutine is locked to its thread,
// measured with RUSAGE_THREAD): the cost of watching, delivering and
// consuming, and the probe's writes; writer-cpu-ns/op is the CPU time
// subtracted. ns/op is the time of one burst.
func BenchmarkBurstLatency(b *testing.B) { benchBurst(b, true) }

// BenchmarkBurstCPU is BenchmarkBurstLatency without the probe: the same
// bursts, consumed the same way, for cpu-ns/10kev alone (the probe's
// writes and timers, whose number grows with the burst's duration, are
// not in it).
func BenchmarkBurstCPU(b *testing.B) { benchBurst(b, false) }

func benchBurst(b *testing.B, probe bool) {
	for _, im := range burstImpls() {
		if !probe && im.name == "watch.Stream+Debounce10ms" {
			continue
		}
		b.Run("impl="+im.name, func(b *testing.B) {
			root := b.TempDir()
			dirs := []string{root}
			var leaves []string
			for i := range 10 {
				d := filepath.Join(root, fmt.Sprintf("d%02d", i))
				dirs = append(dirs, d)
				for j := range 10 {
					s := filepath.Join(d, fmt.Sprintf("s%02d", j))
					if err := os.MkdirAll(s, 0o755); err != nil {
						b.Fatal(err)
					}
					dirs = append(dirs, s)
					leaves = append(leaves, s)
				}
			}
			marker := filepath.Join(root, "marker")
			mf, err := os.Create(marker)
			if err != nil {
				b.Fatal(err)
			}
			defer mf.Close()

			next, ready, stop := im.open(b, root, dirs)
			var (
				creates, total, rescans atomic.Int64
				got                     = make(chan time.Time, 1)
				consumed                = make(chan struct{})
			)
			go func() {
				defer close(consumed)
				for {
					path, create, write, overflow, ok := next()
					if !ok {
						return
					}
					total.Add(1)
					switch {
					case overflow:
						rescans.Add(1)
					case path == marker:
						if write {
							select {
							case got <- time.Now():
							default:
							}
						}
					case create:
						creates.Add(1)
					}
				}
			}()
			defer func() { stop(); <-consumed }()
			<-ready
			// The directories' own Creates are not counted: they were
			// made before the watch.
			creates.Store(0)
			total.Store(0)

			var (
				lat       []time.Duration
				cpu, wcpu time.Duration
				iter      int
			)
			for b.Loop() {
				before := cpuTime(syscall.RUSAGE_SELF)
				wdone := make(chan time.Duration)
				go func(iter int) {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					t0 := cpuTime(syscall.RUSAGE_THREAD)
					for i := range burstFiles {
						f, err := os.Create(filepath.Join(leaves[i%len(leaves)], fmt.Sprintf("b%d-%d", iter, i)))
						if err != nil {
							b.Error(err)
							break
						}
						f.Close()
					}
					wdone <- cpuTime(syscall.RUSAGE_THREAD) - t0
				}(iter)
				iter++
			probe:
				for {
					select {
					case d := <-wdone:
						wcpu += d
						break probe
					case <-time.After(500 * time.Microsecond):
					}
					if !probe {
						continue
					}
					select {
					case <-got: // a stale one
					default:
					}
					start := time.Now()
					if _, err := mf.Write([]byte("x")); err != nil {
						b.Fatal(err)
					}
					select {
					case t := <-got:
						lat = append(lat, t.Sub(start))
					case <-time.After(10 * time.Second):
						b.Fatal("no event for the marker in 10s")
					}
				}
				// Wait for the burst's Creates (or an overflow, then quiet).
				deadline := time.Now().Add(30 * time.Second)
				for last := int64(-1); creates.Load() < int64(iter*burstFiles); {
					if time.Now().After(deadline) {
						b.Fatalf("%d of %d Creates delivered after 30s", creates.Load(), iter*burstFiles)
					}
					time.Sleep(time.Millisecond)
					if rescans.Load() > 0 {
						n := total.Load()
						if n == last {
							break
						}
						last = n
						time.Sleep(100 * time.Millisecond)
					}
				}
				cpu += cpuTime(syscall.RUSAGE_SELF) - before
			}
			if probe {
				slices.Sort(lat)
				b.ReportMetric(float64(percentile(lat, 50).Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(percentile(lat, 99).Nanoseconds()), "p99-ns")
				b.ReportMetric(float64(len(lat))/float64(b.N), "probes/op")
			}
			b.ReportMetric(float64(total.Load())/float64(b.N), "events/op")
			b.ReportMetric(float64(rescans.Load())/float64(b.N), "rescans/op")
			b.ReportMetric(float64(wcpu.Nanoseconds())/float64(b.N), "writer-cpu-ns/op")
			if n := total.Load(); n > 0 {
				b.ReportMetric(float64((cpu-wcpu).Nanoseconds())*10000/float64(n), "cpu-ns/10kev")
			}
		})
	}
}

// cpuTime returns the user+sys CPU time of the process or thread (who).
func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
