package sluice_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
)

// limitSources describes Limit and LimitStream for the suite, paced by a
// real limiter: a fast one for the runs that end, and, for Stall and
// StreamStall, one that lets k values go and then none for an hour, so
// that the suite's cancellation has to reach a wait in the limiter.
func limitSources() []namedSource {
	const n = 12
	fast := func() sluice.Limiter { return rate.NewLimiter(rate.Every(50*time.Microsecond), 2) }
	stalled := func(k int) *rate.Limiter { return rate.NewLimiter(rate.Every(time.Hour), max(k, 1)) }
	s := &ints{n: n}
	stallAt := func(ctx context.Context, k int) iter.Seq2[int, error] {
		if k == 0 {
			// The burst is at least 1: take the one token first.
			lim := stalled(1)
			lim.Allow()
			return sluice.Limit(ctx, s.all(ctx), lim)
		}
		return sluice.Limit(ctx, s.all(ctx), stalled(k))
	}
	return []namedSource{{"Limit", conformance.Source[int]{
		All:  func(ctx context.Context) iter.Seq2[int, error] { return sluice.Limit(ctx, s.all(ctx), fast()) },
		Want: s.want(),
		Stream: func(ctx context.Context) (<-chan int, func() error) {
			return sluice.LimitStream(ctx, s.all, fast(), nil)
		},
		Fail: func(ctx context.Context, k int, err error) iter.Seq2[int, error] {
			return sluice.Limit(ctx, s.fail(ctx, k, err), fast())
		},
		StreamFail: func(ctx context.Context, k int, err error) (<-chan int, func() error) {
			return sluice.LimitStream(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, k, err) }, fast(), nil)
		},
		Stall: stallAt,
		StreamStall: func(ctx context.Context, k int) (<-chan int, func() error) {
			return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[int, error] { return stallAt(ctx, k) }, nil)
		},
		Cursor: cursor,
		After: func(ctx context.Context, c string) iter.Seq2[int, error] {
			return sluice.Limit(ctx, s.after(ctx, c), fast())
		},
		BadCursors: badCursors,
		Open:       func() int { return int(s.open.Load()) },
	}}}
}

func TestLimitConformance(t *testing.T) {
	for _, s := range limitSources() {
		t.Run(s.name, func(t *testing.T) { conformance.Test(t, s.src, nil) })
	}
}

// A waitLog is a Limiter that lets every value go at once, and records
// its waits among the values in a log, and tells waiting when a wait
// begins.
type waitLog struct {
	inner   sluice.Limiter // nil: no wait
	mu      sync.Mutex
	log     []string
	waiting chan int // if not nil, receives the number of each wait as it begins
}

func (r *waitLog) Wait(ctx context.Context) error {
	r.mu.Lock()
	r.log = append(r.log, "wait")
	n := 0
	for _, e := range r.log {
		if e == "wait" {
			n++
		}
	}
	r.mu.Unlock()
	if r.waiting != nil {
		r.waiting <- n
	}
	if r.inner == nil {
		return nil
	}
	return r.inner.Wait(ctx)
}

func (r *waitLog) add(e string) {
	r.mu.Lock()
	r.log = append(r.log, e)
	r.mu.Unlock()
}

// Each value is yielded after one wait of its own, and a failure comes
// without one: in that order in the iterator form, where the loop body
// runs between the waits.
func TestLimitWaitsBeforeEachValue(t *testing.T) {
	ctx := context.Background()
	s := &ints{n: 10}
	boom := errors.New("boom")
	for _, form := range []string{"Limit", "LimitStream"} {
		lim := &waitLog{}
		seq := sluice.Limit(ctx, s.fail(ctx, 3, boom), lim)
		if form == "LimitStream" {
			seq = sluice.FromStream(sluice.LimitStream(ctx, func(ctx context.Context) iter.Seq2[int, error] {
				return s.fail(ctx, 3, boom)
			}, lim, nil))
		}
		for v, err := range seq {
			if err != nil {
				lim.add(err.Error())
				break
			}
			lim.add(cursor(v))
		}
		want := []string{"wait", "0", "wait", "1", "wait", "2", "boom"}
		if form == "LimitStream" {
			// The producer waits for the next value while the
			// consumer has the last: the same, in some order.
			slices.Sort(lim.log)
			want = []string{"0", "1", "2", "boom", "wait", "wait", "wait"}
		}
		if !slices.Equal(lim.log, want) {
			t.Errorf("%s: %q, want %q", form, lim.log, want)
		}
	}
}

// With rate.NewLimiter(r, b), b values go at once and the next waits for
// its token; canceling ctx then ends the wait and the stream, with ctx's
// error. The rate is one an hour, so the next token never comes in the
// test.
func TestLimitBurstThenCancelWhileWaiting(t *testing.T) {
	for _, form := range []string{"Limit", "LimitStream"} {
		ctx, cancelCause := context.WithCancelCause(context.Background())
		shutdown := errors.New("shutdown")
		cancel := func() { cancelCause(shutdown) }
		s := &ints{n: 100}
		lim := &waitLog{inner: rate.NewLimiter(rate.Every(time.Hour), 3), waiting: make(chan int, 100)}
		go func() {
			for n := range lim.waiting {
				if n == 4 {
					cancel() // the fourth value waits for its token
				}
			}
		}()
		seq := sluice.Limit(ctx, s.all(ctx), lim)
		if form == "LimitStream" {
			seq = sluice.FromStream(sluice.LimitStream(ctx, s.all, lim, nil))
		}
		got, err := collect(seq)
		close(lim.waiting)
		if !slices.Equal(got, []int{0, 1, 2}) || !errors.Is(err, context.Canceled) || !errors.Is(err, shutdown) {
			t.Errorf("%s: got %v, %v; want the burst [0 1 2], then context.Canceled with its cause", form, got, err)
		}
		cancel()
	}
}

// An error of Wait other than ctx's ends the stream with it: x/time/rate's
// when the wait would outlast ctx's deadline.
func TestLimitWaitError(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	s := &ints{n: 10}
	got, err := collect(sluice.Limit(ctx, s.all(ctx), rate.NewLimiter(rate.Every(2*time.Hour), 1)))
	if !slices.Equal(got, []int{0}) || err == nil || !strings.Contains(err.Error(), "would exceed context deadline") {
		t.Errorf("got %v, %v; want [0], then the limiter's error", got, err)
	}
}

func TestLimitBadArguments(t *testing.T) {
	ctx := context.Background()
	s := &ints{n: 3}
	if _, err := collect(sluice.Limit(ctx, s.all(ctx), nil)); err == nil || !strings.Contains(err.Error(), "nil Limiter") {
		t.Errorf("Limit without a limiter: %v, want an error saying so", err)
	}
	if _, err := collect(sluice.Limit[int](ctx, nil, rate.NewLimiter(1, 1))); err == nil || !strings.Contains(err.Error(), "nil iterator") {
		t.Errorf("Limit of nil: %v, want an error saying so", err)
	}
	if _, stop := sluice.LimitStream(ctx, s.all, nil, nil); stop() == nil {
		t.Error("LimitStream without a limiter: no error")
	}
}
