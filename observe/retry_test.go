package observe_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/observetest"
	"github.com/sluice-go/sluice/observe"
)

var errReset = errors.New("connection reset")

// resetOnce is a resumable source of 0..n-1 that fails with errReset once,
// before the value fail.
func resetOnce(n, fail int) func(context.Context, string) iter.Seq2[int, error] {
	failed := false
	return func(_ context.Context, after string) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			from := 0
			if after != "" {
				c, _ := strconv.Atoi(after)
				from = c + 1
			}
			for i := from; i < n; i++ {
				if i == fail && !failed {
					failed = true
					yield(0, errReset)
					return
				}
				if !yield(i, nil) {
					return
				}
			}
		}
	}
}

// TestLogRetrying: Log writes one Warn record for each reopening of a
// ResumeStream's source, with its attempt, delay, cursor and error, and
// LogOptions.Level silences it like any other.
func TestLogRetrying(t *testing.T) {
	l, buf := newLogger()
	opts := &sluice.ResumeOptions{InitialDelay: time.Microsecond}
	ch, stop := sluice.ResumeStream(context.Background(), resetOnce(5, 3), strconv.Itoa, opts,
		&sluice.StreamOptions{Name: "items", Observer: observe.Log(l, nil)})
	if n := observetest.Drain(ch, -1); n != 5 {
		t.Errorf("received %d values, want 5", n)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	recs := buf.records(t)
	if len(recs) != 2 {
		t.Fatalf("%d records, want the retry and the end: %v", len(recs), recs)
	}
	r := recs[0]
	if r["msg"] != "stream retrying" || r["level"] != "WARN" || r["stream"] != "items" ||
		r["attempt"] != 1.0 || r["cursor"] != "2" || r["error"] != errReset.Error() {
		t.Errorf("record %v, want a WARN \"stream retrying\" of items, attempt 1, cursor \"2\", error %q", r, errReset)
	}
	if d, ok := r["delay"].(float64); !ok || d < 0 || d > float64(time.Microsecond) {
		t.Errorf("delay %v, want from 0 to 1µs in nanoseconds", r["delay"])
	}

	l, buf = newLogger()
	ch, stop = sluice.ResumeStream(context.Background(), resetOnce(5, 3), strconv.Itoa, opts,
		&sluice.StreamOptions{Observer: observe.Log(l, &observe.LogOptions{Level: slog.LevelError})})
	observetest.Drain(ch, -1)
	stop()
	if recs := buf.records(t); len(recs) != 0 {
		t.Errorf("with Level Error: records %v, want none", recs)
	}
}

// TestMultiRetrying: Multi passes a retry to those of its Observers that
// hear retries, in order, and skips the others.
func TestMultiRetrying(t *testing.T) {
	j := &journal{}
	a, b := &retrying{named{"a", j}}, &retrying{named{"b", j}}
	o := observe.Multi(a, &named{"plain", j}, observe.Multi(b))
	ro, ok := o.(sluice.RetryObserver)
	if !ok {
		t.Fatal("Multi of RetryObservers is not a RetryObserver")
	}
	ro.Retrying(sluice.RetryEvent{Stream: "s", Attempt: 2})
	if got, want := fmt.Sprint(j.entries), "[a retrying s 2 b retrying s 2]"; got != want {
		t.Errorf("heard %s, want %s", got, want)
	}
}

type retrying struct{ named }

func (r *retrying) Retrying(e sluice.RetryEvent) {
	r.j.add(fmt.Sprintf("%s retrying %s %d", r.name, e.Stream, e.Attempt))
}
