package main

import (
	"context"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/observe/prom"
)

// A metricsServer serves /metrics and /debug/pprof/ for the length of a
// run (--metrics).
type metricsServer struct {
	addr     string // where it listens, the port resolved
	observer sluice.Observer
	srv      *http.Server
	done     chan struct{}
}

// startMetrics listens on addr and serves, on a mux of its own, the
// metrics of a fresh registry (the stream's, from package observe/prom,
// and the Go runtime's and the process's) at /metrics, and the pprof
// handlers at /debug/pprof/.
func startMetrics(addr string) (*metricsServer, error) {
	reg := prometheus.NewRegistry()
	m, err := prom.New(reg, nil)
	if err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	s := &metricsServer{
		addr:     ln.Addr().String(),
		observer: m,
		srv:      &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		done:     make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln) // ErrServerClosed, or a failure the run outlives
	}()
	return s, nil
}

// close shuts the server down, giving requests in flight a moment, and
// waits for it.
func (s *metricsServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if s.srv.Shutdown(ctx) != nil {
		_ = s.srv.Close()
	}
	<-s.done
}

// isAnyPort reports whether addr asks for any free port, which is then
// always printed.
func isAnyPort(addr string) bool {
	return strings.HasSuffix(addr, ":0") || addr == "0"
}
