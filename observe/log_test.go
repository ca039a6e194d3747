package observe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/observetest"
	"github.com/sluice-go/sluice/observe"
)

// logBuffer is a JSON slog handler's output, safe for the producer
// goroutines that write to it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records decodes the records written so far.
func (b *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var recs []map[string]any
	for line := range strings.Lines(b.buf.String()) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		recs = append(recs, r)
	}
	return recs
}

func newLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// only returns the single record with message msg.
func only(t *testing.T, recs []map[string]any, msg string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, r := range recs {
		if r["msg"] == msg {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d records %q, want 1; all records: %v", len(found), msg, recs)
	}
	return found[0]
}

type wantEnd struct {
	level, reason string
	items         float64 // JSON numbers decode as float64
	err           string  // "" means no error attribute
	cause         string  // "" means no cause attribute
}

func checkEnd(t *testing.T, r map[string]any, stream string, w wantEnd) {
	t.Helper()
	if r["level"] != w.level || r["stream"] != stream || r["reason"] != w.reason || r["items"] != w.items {
		t.Errorf("record = %v, want level %s stream %q reason %s items %v", r, w.level, stream, w.reason, w.items)
	}
	if _, ok := r["duration"].(float64); !ok {
		t.Errorf("record = %v, want a numeric duration", r)
	}
	if got, _ := r["error"].(string); got != w.err {
		t.Errorf("error = %q, want %q (record %v)", got, w.err, r)
	}
	if got, _ := r["cause"].(string); got != w.cause {
		t.Errorf("cause = %q, want %q (record %v)", got, w.cause, r)
	}
}

func TestLogEnds(t *testing.T) {
	errShutdown := errors.New("shutting down")
	errTooSlow := errors.New("batch took too long")
	errBroken := errors.New("source broken")
	tests := []struct {
		name string
		run  func(opts *sluice.StreamOptions) error // returns stop's error
		want wantEnd
	}{{
		name: "exhausted",
		run: func(opts *sluice.StreamOptions) error {
			ch, stop := sluice.Stream(context.Background(), ints(7, nil), opts)
			observetest.Drain(ch, -1)
			return stop()
		},
		want: wantEnd{level: "INFO", reason: "exhausted", items: 7},
	}, {
		name: "stopped",
		run: func(opts *sluice.StreamOptions) error {
			ch, stop := sluice.Stream(context.Background(), ints(-1, nil), opts)
			observetest.Drain(ch, 3)
			return stop()
		},
		want: wantEnd{level: "INFO", reason: "stopped", items: 3},
	}, {
		name: "canceled",
		run: func(opts *sluice.StreamOptions) error {
			ctx, cancel := context.WithCancel(context.Background())
			ch, stop := sluice.Stream(ctx, ints(-1, nil), opts)
			observetest.Drain(ch, 2)
			cancel()
			return stop()
		},
		want: wantEnd{level: "WARN", reason: "canceled", items: 2, err: "context canceled"},
	}, {
		name: "canceled_cause",
		run: func(opts *sluice.StreamOptions) error {
			ctx, cancel := context.WithCancelCause(context.Background())
			ch, stop := sluice.Stream(ctx, ints(-1, nil), opts)
			observetest.Drain(ch, 2)
			cancel(errShutdown)
			return stop()
		},
		want: wantEnd{level: "WARN", reason: "canceled", items: 2, err: "context canceled: shutting down", cause: "shutting down"},
	}, {
		name: "deadline_cause",
		run: func(opts *sluice.StreamOptions) error {
			ctx, cancel := context.WithDeadlineCause(context.Background(), time.Now().Add(20*time.Millisecond), errTooSlow)
			defer cancel()
			ch, stop := sluice.StreamFunc(ctx, observetest.BlockAfter(4), opts)
			observetest.Drain(ch, -1)
			return stop()
		},
		want: wantEnd{level: "WARN", reason: "deadline_exceeded", items: 4, err: "context deadline exceeded: batch took too long", cause: "batch took too long"},
	}, {
		name: "deadline",
		run: func(opts *sluice.StreamOptions) error {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
			defer cancel()
			ch, stop := sluice.StreamFunc(ctx, observetest.BlockAfter(1), opts)
			observetest.Drain(ch, -1)
			return stop()
		},
		want: wantEnd{level: "WARN", reason: "deadline_exceeded", items: 1, err: "context deadline exceeded"},
	}, {
		name: "failed",
		run: func(opts *sluice.StreamOptions) error {
			ch, stop := sluice.Stream(context.Background(), ints(5, errBroken), opts)
			observetest.Drain(ch, -1)
			return stop()
		},
		want: wantEnd{level: "ERROR", reason: "failed", items: 5, err: "source broken"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, buf := newLogger()
			err := tt.run(&sluice.StreamOptions{Name: tt.name, Observer: observe.Log(l, nil)})
			if got := sluice.ReasonOf(err).String(); tt.want.reason != "stopped" && got != tt.want.reason {
				t.Fatalf("stop() = %v (%s), want a %s end", err, got, tt.want.reason)
			}
			recs := buf.records(t)
			if len(recs) != 1 {
				t.Fatalf("%d records, want 1: %v", len(recs), recs)
			}
			checkEnd(t, only(t, recs, "stream ended"), tt.name, tt.want)
		})
	}
}

// A cause that a source wrapped again is still found.
func TestLogCauseWrapped(t *testing.T) {
	errShutdown := errors.New("shutting down")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errShutdown)
	l, buf := newLogger()
	o := observe.Log(l, nil)
	err := &wrapped{sluice.ContextError(ctx)}
	o.Ended(sluice.EndEvent{Stream: "s", Reason: sluice.ReasonOf(err), Err: err})
	checkEnd(t, only(t, buf.records(t), "stream ended"), "s", wantEnd{
		level: "WARN", reason: "canceled", items: 0,
		err: "reading s: context canceled: shutting down", cause: "shutting down",
	})
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "reading s: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

func TestLogLevelOption(t *testing.T) {
	l, buf := newLogger()
	o := observe.Log(l, &observe.LogOptions{Level: slog.LevelWarn})
	o.Ended(sluice.EndEvent{Stream: "a", Items: 1, Reason: sluice.Exhausted})
	o.Ended(sluice.EndEvent{Stream: "b", Items: 1, Reason: sluice.Stopped})
	o.Ended(sluice.EndEvent{Stream: "c", Items: 2, Reason: sluice.Canceled, Err: context.Canceled})
	o.Ended(sluice.EndEvent{Stream: "d", Items: 3, Reason: sluice.Failed, Err: errors.New("boom")})
	recs := buf.records(t)
	var got []string
	for _, r := range recs {
		got = append(got, r["stream"].(string)+":"+r["level"].(string))
	}
	if strings.Join(got, " ") != "c:WARN d:ERROR" {
		t.Errorf("records with Level Warn = %v, want c:WARN d:ERROR", got)
	}
}

// The handler's own level is obeyed too.
func TestLogHandlerLevel(t *testing.T) {
	var buf logBuffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError}))
	o := observe.Log(l, &observe.LogOptions{SlowSend: time.Nanosecond})
	o.Sent(sluice.SendEvent{Stream: "a", Wait: time.Second})
	o.Ended(sluice.EndEvent{Stream: "a", Reason: sluice.Canceled, Err: context.Canceled})
	o.Ended(sluice.EndEvent{Stream: "a", Reason: sluice.Failed, Err: errors.New("boom")})
	if recs := buf.records(t); len(recs) != 1 || recs[0]["level"] != "ERROR" {
		t.Errorf("records = %v, want the failed end only", recs)
	}
}

func TestLogNilLoggerIsDefault(t *testing.T) {
	l, buf := newLogger()
	old := slog.Default()
	slog.SetDefault(l)
	defer slog.SetDefault(old)
	o := observe.Log(nil, nil)
	o.Ended(sluice.EndEvent{Stream: "dflt", Items: 9, Reason: sluice.Exhausted})
	checkEnd(t, only(t, buf.records(t), "stream ended"), "dflt", wantEnd{level: "INFO", reason: "exhausted", items: 9})
}

// slowConsumer drains ch, sleeping before each receive, so that every
// send of an unbuffered producer waits for it.
func slowConsumer[V any](ch <-chan V) {
	for {
		time.Sleep(5 * time.Millisecond)
		if _, ok := <-ch; !ok {
			return
		}
	}
}

func TestLogSlowSend(t *testing.T) {
	l, buf := newLogger()
	const slow = time.Millisecond
	ch, stop := sluice.Stream(context.Background(), ints(5, nil), &sluice.StreamOptions{
		Name:     "slow",
		Observer: observe.Log(l, &observe.LogOptions{SlowSend: slow}),
	})
	slowConsumer(ch)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	recs := buf.records(t)
	n := 0
	for _, r := range recs {
		if r["msg"] != "slow send" {
			continue
		}
		n++
		if r["level"] != "WARN" || r["stream"] != "slow" || r["len"] != 0.0 || r["cap"] != 0.0 {
			t.Errorf("slow send record = %v, want WARN, stream slow, len 0, cap 0", r)
		}
		if w, _ := r["wait"].(float64); w < float64(slow) {
			t.Errorf("slow send record = %v, want a wait of at least %d ns", r, slow)
		}
	}
	if n == 0 {
		t.Errorf("no slow send record for a consumer that sleeps 5ms before each receive; records: %v", recs)
	}
	if n > 5 {
		t.Errorf("%d slow send records for 5 sends", n)
	}
	checkEnd(t, only(t, recs, "stream ended"), "slow", wantEnd{level: "INFO", reason: "exhausted", items: 5})
}

// Without SlowSend nothing is logged per send, however slow.
func TestLogNoSlowSend(t *testing.T) {
	l, buf := newLogger()
	ch, stop := sluice.Stream(context.Background(), ints(3, nil), &sluice.StreamOptions{
		Name:     "quiet",
		Observer: observe.Log(l, nil),
	})
	slowConsumer(ch)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	recs := buf.records(t)
	if len(recs) != 1 {
		t.Fatalf("records = %v, want only the end", recs)
	}
	checkEnd(t, recs[0], "quiet", wantEnd{level: "INFO", reason: "exhausted", items: 3})
}

// A send that waited less than SlowSend, or not at all, is not logged.
func TestLogFastSend(t *testing.T) {
	l, buf := newLogger()
	o := observe.Log(l, &observe.LogOptions{SlowSend: time.Second})
	o.Sent(sluice.SendEvent{Stream: "a"})
	o.Sent(sluice.SendEvent{Stream: "a", Wait: time.Second - 1})
	o.Sent(sluice.SendEvent{Stream: "a", Wait: time.Second, Len: 3, Cap: 4})
	recs := buf.records(t)
	if len(recs) != 1 || recs[0]["wait"] != float64(time.Second) || recs[0]["len"] != 3.0 || recs[0]["cap"] != 4.0 {
		t.Errorf("records = %v, want one slow send of 1s, len 3, cap 4", recs)
	}
}
