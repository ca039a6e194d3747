// Logtail follows the log files under a directory and prints each new line
// once, as "file: line", like tail -F for a whole tree: it watches the
// directory with inotify (sources/watch) and reads each file that changed
// from where it left off (sources/scanner), and with -state it keeps those
// places across restarts (checkpoint), so a restarted logtail neither
// repeats nor loses lines. Outside the standard library and this module it
// compiles github.com/fsnotify/fsnotify and
// github.com/prometheus/client_golang, and what they require.
//
//	go run ./examples/logtail -state /var/lib/logtail -metrics 127.0.0.1:9100 /var/log/myapp
//
// The flags:
//
//	-state DIR        keep each file's place in DIR (which must exist), to resume after a restart
//	-save-every D     how often the places are saved to -state (default 1s)
//	-include GLOB     follow only the files whose base name matches GLOB, such as "*.log"
//	-metrics ADDR     serve Prometheus metrics at http://ADDR/metrics
//
// # What is printed
//
// Each line is printed as the file's path relative to the directory, ": ",
// and the line without its "\n" (nor a "\r" before it). Only complete
// lines are printed: a last line without its "\n" yet is held until the
// "\n" arrives, then printed whole. A line longer than 1 MiB is left out,
// with a warning.
//
// Every file is read from its start the first time it is seen (the files
// already there when logtail starts, and those created later), then
// followed: each change is read from the end of the last complete line
// read. A file truncated below that point, or replaced by another file
// (a new inode, as after a copy-and-truncate or a rename over it), is read
// from its start again. A file renamed within the directory keeps its
// place under its new name: a rotated log is not read again. When the
// watcher reports that it lost track of a part of the tree (a Rescan, after
// the kernel's event queue overflowed), every file there is looked at again.
//
// The watch's events are read in batches (sluice.BatchStream): what comes
// within 5ms of a batch's first event, 256 at most. A file written again
// and again within a batch, as a log is during a burst, is read once, at
// the last of its writes in a row, rather than once a write; an event
// alone waits 5ms at most, never for a full batch.
//
// Logs about logtail itself (errors reading a file, the end of its streams)
// go to standard error.
//
// # Restarts
//
// With -state, the place of each file (its device and inode, and the
// cursor of its last line printed) is saved in DIR, one checkpoint file per
// log file, every -save-every and when logtail stops. A logtail stopped by
// Ctrl-C (SIGINT) saves the places of the lines it printed, and the next
// one continues after them, reading what was written meanwhile: no line is
// repeated or lost. A logtail killed (SIGKILL, a crash) loses at most the
// places of the last -save-every, whose lines the next one prints again.
//
// # Metrics
//
// With -metrics, /metrics serves the metrics of package observe/prom for
// its two streams: "watch", the file system's events, and "lines", the
// lines read (sluice_items_total{stream="lines"}), with one item besides
// for each file whose place changed without a line: read again from its
// start, renamed or removed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/checkpoint"
	"github.com/sluice-go/sluice/observe"
	"github.com/sluice-go/sluice/observe/prom"
	"github.com/sluice-go/sluice/sources/watch"
)

type config struct {
	dir       string
	state     string        // the checkpoint directory; "": places in memory only
	saveEvery time.Duration // how often to save the places
	include   string        // a base name pattern; "": every file
	metrics   string        // the metrics address; "": none

	log *slog.Logger // logtail's own log; nil: none

	// ready, if not nil, is called once the watch is in place, with the
	// address the metrics are served on ("" without them).
	ready func(metricsAddr string)
}

func main() {
	var cfg config
	flag.StringVar(&cfg.state, "state", "", "keep each file's place in `DIR`, to resume after a restart")
	flag.DurationVar(&cfg.saveEvery, "save-every", time.Second, "how often the places are saved to -state")
	flag.StringVar(&cfg.include, "include", "", "follow only the files whose base name matches `GLOB`")
	flag.StringVar(&cfg.metrics, "metrics", "", "serve Prometheus metrics at http://`ADDR`/metrics")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: logtail [flags] DIR\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	log.SetFlags(0)
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	cfg.dir = flag.Arg(0)
	cfg.log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		log.Fatalf("logtail: %v", err)
	}
}

// run follows cfg.dir and prints its new lines on out until ctx is done,
// which is a normal end: it returns nil, having saved the places.
func run(ctx context.Context, cfg config, out io.Writer) error {
	logger := cfg.log
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	switch fi, err := os.Stat(cfg.dir); {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("directory %s does not exist", cfg.dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", cfg.dir)
	}
	if cfg.include != "" {
		if _, err := filepath.Match(cfg.include, ""); err != nil {
			return fmt.Errorf("-include %q: %w", cfg.include, err)
		}
	}
	var store *checkpoint.FileStore
	if cfg.state != "" {
		if cfg.saveEvery <= 0 {
			return fmt.Errorf("-save-every %v: want a positive duration", cfg.saveEvery)
		}
		var err error
		if store, err = checkpoint.NewFile(cfg.state); err != nil {
			return err
		}
	}

	observer := observe.Log(logger, nil)
	metricsAddr := ""
	if cfg.metrics != "" {
		reg := prometheus.NewRegistry()
		m, err := prom.New(reg, nil)
		if err != nil {
			return err
		}
		observer = observe.Multi(m, observer)
		ln, err := net.Listen("tcp", cfg.metrics)
		if err != nil {
			return fmt.Errorf("-metrics: %w", err)
		}
		metricsAddr = ln.Addr().String()
		mux := http.NewServeMux()
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		served := make(chan struct{})
		go func() {
			defer close(served)
			if err := srv.Serve(ln); err != http.ErrServerClosed {
				logger.Error("serving metrics", "err", err)
			}
		}()
		defer func() {
			srv.Close()
			<-served
		}()
	}

	// The streams end when ctx is done, or when printLines fails and cancels
	// it: the watch, and the lines read from the files it reports.
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wopts := &watch.Options{Existing: true}
	if cfg.include != "" {
		wopts.Include = []string{cfg.include}
	}
	events, stopWatch := watch.Stream(ctx, cfg.dir, wopts, &sluice.StreamOptions{Name: "watch", Observer: observer})
	defer stopWatch()
	// The events in batches, of what comes within 5ms of the first (256
	// at most): in a burst of writes to one log, a Write event a write,
	// the file is read once a batch (see coalesced), and an event alone
	// waits 5ms at most, never for a full batch.
	batches, stopBatches := sluice.BatchStream(ctx, events, stopWatch, sluice.DefaultBatchSize, sluice.DefaultBatchWait, nil)
	defer stopBatches()
	t := &tailer{root: cfg.dir, include: cfg.include, store: store, log: logger, files: map[string]*place{}}
	lines, stopLines := sluice.Stream(ctx, t.lines(ctx, coalesced(sluice.FromStream(batches, stopBatches))),
		&sluice.StreamOptions{Name: "lines", Observer: observer})
	defer stopLines()
	logger.Info("watching", "dir", cfg.dir, "metrics", metricsAddr)
	if cfg.ready != nil {
		cfg.ready(metricsAddr)
	}

	err := printLines(lines, out, store, cfg.saveEvery)
	cancel()
	serr := stopLines()
	switch {
	case err != nil:
		return err
	case parent.Err() != nil:
		return nil // the end asked for: the places are saved
	}
	return serr
}
