package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// The demo server's static credentials.
const (
	demoKey    = "demo"
	demoSecret = "demo-secret"
)

// A demo is the in-memory S3 server of --demo: gofakes3 on a loopback
// port, with a bucket "demo".
type demo struct {
	endpoint string
	srv      *http.Server
	done     chan struct{}
}

// demoObject is one object of the demo bucket.
type demoObject struct {
	key  string
	size int64
	at   time.Time
}

// demoObjects returns the objects of the demo bucket, about three hundred,
// the same every time: a day's logs, product images and monthly reports.
func demoObjects() []demoObject {
	var objs []demoObject
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	n := uint32(1)
	next := func(lo, hi int64) int64 { // a deterministic spread of sizes
		n = n*1664525 + 1013904223
		return lo + int64(n>>8)%(hi-lo)
	}
	for d := range 3 {
		for _, host := range []string{"api-1", "api-2"} {
			for h := range 24 {
				at := day.AddDate(0, 0, d).Add(time.Duration(h+1)*time.Hour + time.Duration(next(0, 120))*time.Second)
				key := fmt.Sprintf("logs/%s/%s-%02d.log.gz", at.Format("2006/01/02"), host, h)
				objs = append(objs, demoObject{key, next(2_000, 60_000), at})
			}
		}
	}
	for _, kind := range []string{"chairs", "lamps", "tables"} {
		for i := range 30 {
			at := day.AddDate(0, -2, i).Add(time.Duration(next(0, 86400)) * time.Second)
			objs = append(objs, demoObject{fmt.Sprintf("images/%s/%s-%03d.jpg", kind, kind[:len(kind)-1], i+1), next(20_000, 200_000), at})
		}
	}
	for m := 1; m <= 10; m++ {
		at := time.Date(2026, time.Month(m)+1, 1, 6, 30, 0, 0, time.UTC)
		for _, name := range []string{"revenue.csv", "summary.pdf", "traffic.csv"} {
			objs = append(objs, demoObject{fmt.Sprintf("reports/2026/%02d/%s", m, name), next(5_000, 80_000), at})
		}
	}
	objs = append(objs,
		demoObject{"README.md", 1_234, day.AddDate(0, -6, 0)},
		demoObject{"index.html", 5_678, day.AddDate(0, -6, 0)})
	return objs
}

// clock is the demo backend's time source: the time each object is put
// at, so that their LastModified look real.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// zeros reads as zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// startDemo starts the demo server and fills its bucket.
func startDemo() (*demo, error) {
	clk := &clock{}
	backend := s3mem.New(s3mem.WithTimeSource(clk))
	if err := backend.CreateBucket("demo"); err != nil {
		return nil, err
	}
	for _, o := range demoObjects() {
		clk.set(o.at)
		if _, err := backend.PutObject("demo", o.key, map[string]string{}, io.LimitReader(zeros{}, o.size), o.size, nil); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &demo{
		endpoint: "http://" + ln.Addr().String(),
		srv:      &http.Server{Handler: gofakes3.New(backend).Server(), ReadHeaderTimeout: 10 * time.Second},
		done:     make(chan struct{}),
	}
	go func() {
		defer close(d.done)
		_ = d.srv.Serve(ln) // ErrServerClosed once close is called
	}()
	return d, nil
}

func (d *demo) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if d.srv.Shutdown(ctx) != nil {
		_ = d.srv.Close()
	}
	<-d.done
}
