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

	"github.com/sluice-go/sluice"
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
	events, stop := watch.Stream(context.Background(), dir, opts, nil)
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
			events, stop := watch.Stream(context.Background(), root, &watch.Options{Debounce: debounce}, nil)
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
			dirs, leaves := burstTree(b, root)
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
				go func(iter int) { wdone <- writeBurst(b, leaves, iter) }(iter)
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

// BenchmarkBacklogCPU measures the CPU cost of an event with nothing else
// running: each implementation of BenchmarkBurstLatency watches its own
// tree of the same shape while a burst of burstFiles file creations is
// written and its consumer waits; then the consumer takes the whole
// burst from the kernel's queue (16384 events by default, more than a
// burst). ns/op is the time to take it, cpu-ns/10kev the CPU time of the
// process meanwhile per 10,000 events: the cost of reading, watching,
// delivering and consuming, without the writer or the timers of a live
// burst competing for the cores (issue 13). A Rescan fails the benchmark.
func BenchmarkBacklogCPU(b *testing.B) {
	for _, im := range burstImpls() {
		if im.name != "fsnotify" && im.name != "watch.Stream" {
			continue // All is lazy, Debounce waits: neither fits a gated consumer
		}
		b.Run("impl="+im.name, func(b *testing.B) {
			root := b.TempDir()
			dirs, leaves := burstTree(b, root)
			next, ready, stop := im.open(b, root, dirs)
			gate := make(chan struct{})
			took := make(chan error)
			quit := make(chan struct{})
			go func() {
				for {
					select {
					case <-gate:
					case <-quit:
						return
					}
					var err error
					for n := 0; n < burstFiles; {
						_, create, _, overflow, ok := next()
						switch {
						case !ok:
							err = errors.New("the watch ended")
						case overflow:
							err = errors.New("the kernel's queue overflowed")
						case create:
							n++
							continue
						default:
							continue
						}
						break
					}
					took <- err
				}
			}()
			defer func() { close(quit); stop() }()
			<-ready
			var cpu time.Duration
			round := 0
			for b.Loop() {
				b.StopTimer()
				for i := range burstFiles {
					f, err := os.Create(filepath.Join(leaves[i%len(leaves)], fmt.Sprintf("b%d-%d", round, i)))
					if err != nil {
						b.Fatal(err)
					}
					f.Close()
				}
				round++
				before := cpuTime(syscall.RUSAGE_SELF)
				b.StartTimer()
				gate <- struct{}{}
				if err := <-took; err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime(syscall.RUSAGE_SELF) - before
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/10kev")
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

// BenchmarkChannel measures issue 12 for watch: the channel forms,
// watch.Stream (one send per event) and sluice.StreamBatches over
// watch.All (one send per batch of up to 256 events, or per 5ms), beside
// the iterator watch.All ranged by the consumer itself (no iter.Pull2),
// during bursts of burstFiles file creations over the 100 leaves of the
// tree of BenchmarkBurstLatency. Every consumer does the same trivial work
// per event (adds up the length of its path, counts the Creates). One op
// is one burst, in one of two modes:
//
//   - mode=live: the consumer receives the events while the burst is
//     being written, as it happens. ns/op is the time from the start of
//     the burst to the receipt of its last Create; lag-ns the part of it
//     after the writer finished; cpu-ns/event the CPU time of the process
//     less the writer's thread's (RUSAGE_THREAD), per event.
//   - mode=backlog: the consumer holds the burst's first Create until the
//     writer has finished (the timer stopped meanwhile), so that the
//     burst waits in the kernel's queue (16384 events by default, more
//     than a burst); ns/op is then the time to receive the whole burst
//     from the queue, and cpu-ns/event the CPU time of the process then,
//     per event: the cost of watching and consuming, without the writer
//     competing for the two cores.
//
// A Rescan (the kernel's queue overflowed) fails the benchmark: the
// Creates it stands for are never counted.
func BenchmarkChannel(b *testing.B) {
	type consume func(ctx context.Context, root string, ready func(), take func(watch.Event)) error
	impls := []struct {
		name    string
		consume consume
	}{
		{"iterator", func(ctx context.Context, root string, ready func(), take func(watch.Event)) error {
			for e, err := range watch.All(ctx, root, &watch.Options{OnReady: ready}) {
				if err != nil {
					return err
				}
				take(e)
			}
			return nil
		}},
		{"Stream", func(ctx context.Context, root string, ready func(), take func(watch.Event)) error {
			events, stop := watch.Stream(ctx, root, nil, nil)
			defer stop()
			ready()
			for e := range events {
				take(e)
			}
			return stop()
		}},
		{"StreamBatches", func(ctx context.Context, root string, ready func(), take func(watch.Event)) error {
			batches, stop := sluice.StreamBatches(ctx, func(ctx context.Context) iter.Seq2[watch.Event, error] {
				return watch.All(ctx, root, &watch.Options{OnReady: ready})
			}, nil)
			defer stop()
			for batch := range batches {
				for _, e := range batch {
					take(e)
				}
			}
			return stop()
		}},
	}
	for _, mode := range []string{"live", "backlog"} {
		b.Run("mode="+mode, func(b *testing.B) {
			for _, im := range impls {
				b.Run("impl="+im.name, func(b *testing.B) {
					benchChannelBurst(b, mode == "backlog", im.consume)
				})
			}
		})
	}
}

// A burstConsumer is the consumer of BenchmarkChannel. It runs in the
// consumer's goroutine; the benchmark sees only its channels and atomics.
type burstConsumer struct {
	gated   bool
	gate    chan struct{}  // with gated, a burst's first Create waits for a value
	done    chan time.Time // the receipt of each burst's last Create
	quit    chan struct{}  // closed when the benchmark ends: wait for nothing
	events  atomic.Int64
	rescans atomic.Int64
	creates int
	sum     int // the trivial work
}

func (c *burstConsumer) take(e watch.Event) {
	c.events.Add(1)
	c.sum += len(e.Path)
	switch {
	case e.Op == watch.Rescan:
		c.rescans.Add(1)
	case e.Op.Has(watch.Create):
		c.creates++
		if c.gated && c.creates%burstFiles == 1 {
			select {
			case <-c.gate:
			case <-c.quit:
			}
		}
		if c.creates%burstFiles == 0 {
			select {
			case c.done <- time.Now():
			case <-c.quit:
			}
		}
	}
}

func benchChannelBurst(b *testing.B, gated bool, consume func(ctx context.Context, root string, ready func(), take func(watch.Event)) error) {
	root := b.TempDir()
	_, leaves := burstTree(b, root)
	c := &burstConsumer{gated: gated, gate: make(chan struct{}), done: make(chan time.Time, 1), quit: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	ended := make(chan error, 1)
	go func() { ended <- consume(ctx, root, func() { close(ready) }, c.take) }()
	defer func() {
		close(c.quit)
		cancel()
		if err := <-ended; err != nil && !errors.Is(err, context.Canceled) {
			b.Error(err)
		}
	}()
	select {
	case <-ready:
	case err := <-ended:
		b.Fatal("watch ended before it was ready:", err)
	}

	var (
		lag, cpu time.Duration
		round    int
	)
	for b.Loop() {
		if gated {
			b.StopTimer()
		}
		before := cpuTime(syscall.RUSAGE_SELF)
		type written struct {
			at  time.Time
			cpu time.Duration
		}
		wdone := make(chan written, 1)
		go func(round int) {
			cpu := writeBurst(b, leaves, round)
			wdone <- written{time.Now(), cpu}
		}(round)
		round++
		w := <-wdone
		if gated {
			before = cpuTime(syscall.RUSAGE_SELF)
			b.StartTimer()
			select {
			case c.gate <- struct{}{}:
			case <-time.After(30 * time.Second):
				b.Fatal("no Create of the burst after 30s")
			}
		}
		select {
		case t := <-c.done:
			lag += t.Sub(w.at)
		case <-time.After(30 * time.Second):
			b.Fatalf("the burst's Creates were not all delivered after 30s (rescans: %d)", c.rescans.Load())
		}
		d := cpuTime(syscall.RUSAGE_SELF) - before
		if !gated {
			d -= w.cpu
		}
		cpu += d
		if n := c.rescans.Load(); n > 0 {
			b.Fatalf("%d Rescans: the kernel's queue overflowed", n)
		}
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*burstFiles), "cpu-ns/event")
	if !gated {
		b.ReportMetric(float64(lag.Nanoseconds())/float64(b.N), "lag-ns")
	}
	b.ReportMetric(float64(c.events.Load())/float64(b.N), "events/op")
}

// writeBurst creates burstFiles empty files, spread over leaves and named
// for round, from a thread of its own, and returns the CPU time that
// thread spent.
func writeBurst(b *testing.B, leaves []string, round int) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := cpuTime(syscall.RUSAGE_THREAD)
	for i := range burstFiles {
		f, err := os.Create(filepath.Join(leaves[i%len(leaves)], fmt.Sprintf("b%d-%d", round, i)))
		if err != nil {
			b.Error(err)
			break
		}
		f.Close()
	}
	return cpuTime(syscall.RUSAGE_THREAD) - t0
}

// burstTree makes the tree the burst benchmarks write into: 10
// directories of 10 leaves under root. It returns every directory, root
// first, in walk order, and the leaves, where the files are created.
func burstTree(b *testing.B, root string) (dirs, leaves []string) {
	dirs = []string{root}
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
	return dirs, leaves
}
