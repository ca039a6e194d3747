package sluice_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
)

// TestResumeReopensAfterLastValue: each transient failure reopens the
// source strictly after the last value delivered (or at the start, or at
// After, when none was), and each reopening is told with its attempt, its
// error, its delay and its cursor.
func TestResumeReopensAfterLastValue(t *testing.T) {
	for _, tc := range []struct {
		name         string
		after        string
		faults       map[int]int
		want         []int
		openings     []string
		attempts     []int
		retryCursors []string
	}{
		{
			name:   "faults",
			faults: map[int]int{0: 1, 3: 1, 5: 2, 10: 1},
			want:   []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9},
			// the first opening fails before 0; the second delivers 0..2
			// and fails before 3; the third, 3 and 4, then two fail
			// before 5 (attempts 1 and 2 of a series); the fifth
			// delivers 5..9 and fails at the end, and the last finds
			// nothing left.
			openings:     []string{"", "", "2", "4", "4", "9"},
			attempts:     []int{1, 1, 1, 2, 1},
			retryCursors: []string{"", "2", "4", "4", "9"},
		},
		{
			name:         "after",
			after:        "6",
			faults:       map[int]int{7: 1, 8: 1},
			want:         []int{7, 8, 9},
			openings:     []string{"6", "6", "7"},
			attempts:     []int{1, 1},
			retryCursors: []string{"6", "7"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlaky(10, tc.faults)
			var events []sluice.RetryEvent
			opts := fastRetry(&sluice.ResumeOptions{After: tc.after, OnRetry: func(e sluice.RetryEvent) { events = append(events, e) }})
			got, err := collect(sluice.Resume(context.Background(), f.openAfter, cursor, opts))
			if err != nil {
				t.Fatalf("Resume ended with %v, want the end of the source", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Resume yielded %v, want %v: each value once, in order", got, tc.want)
			}
			if !slices.Equal(f.openings, tc.openings) {
				t.Errorf("the source was opened after %q, want %q", f.openings, tc.openings)
			}
			var attempts []int
			var cursors []string
			for _, e := range events {
				attempts = append(attempts, e.Attempt)
				cursors = append(cursors, e.Cursor)
				if !errors.Is(e.Err, errFlaky) {
					t.Errorf("RetryEvent.Err = %v, want errFlaky", e.Err)
				}
				if e.Delay < 0 || e.Delay > opts.MaxDelay {
					t.Errorf("RetryEvent.Delay = %v, want between 0 and MaxDelay %v", e.Delay, opts.MaxDelay)
				}
				if e.Stream != "" {
					t.Errorf("RetryEvent.Stream = %q in the iterator form, want \"\"", e.Stream)
				}
			}
			if !slices.Equal(attempts, tc.attempts) || !slices.Equal(cursors, tc.retryCursors) {
				t.Errorf("retries: attempts %v after %q, want attempts %v after %q", attempts, cursors, tc.attempts, tc.retryCursors)
			}
		})
	}
}

// TestResumePermanent: a failure Transient does not call transient ends
// the stream at once, wrapped in a ResumeError that says one attempt was
// made and where it stood, and reaches the cause.
func TestResumePermanent(t *testing.T) {
	cause := errors.New("permission denied")
	f := newFlaky(10, map[int]int{2: 1})
	f.failAt, f.failErr = 6, cause
	got, err := collect(sluice.Resume(context.Background(), f.openAfter, cursor, fastRetry(nil)))
	if want := []int{0, 1, 2, 3, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("yielded %v, want %v", got, want)
	}
	var re *sluice.ResumeError
	if !errors.As(err, &re) || !errors.Is(err, cause) {
		t.Fatalf("error %v, want a *ResumeError wrapping the cause", err)
	}
	if re.Attempts != 1 || re.Cursor != "5" {
		t.Errorf("ResumeError{Attempts: %d, Cursor: %q}, want 1 after \"5\"", re.Attempts, re.Cursor)
	}
	if msg := err.Error(); !strings.Contains(msg, "1 attempt ") || !strings.Contains(msg, "not transient") || !strings.Contains(msg, cause.Error()) {
		t.Errorf("error %q, want it to say 1 attempt, not transient, and the cause", msg)
	}
	if want := []string{"", "1"}; !slices.Equal(f.openings, want) {
		t.Errorf("openings after %q, want %q: a permanent failure is not retried", f.openings, want)
	}
}

// TestResumeMaxAttempts: a source that keeps failing before the same
// value is opened MaxAttempts times in all, the opening that delivered
// the values before it included, and the error says so.
func TestResumeMaxAttempts(t *testing.T) {
	f := newFlaky(10, map[int]int{5: 100})
	opts := fastRetry(nil)
	opts.MaxAttempts = 4
	got, err := collect(sluice.Resume(context.Background(), f.openAfter, cursor, opts))
	if want := []int{0, 1, 2, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("yielded %v, want %v", got, want)
	}
	var re *sluice.ResumeError
	if !errors.As(err, &re) || !errors.Is(err, errFlaky) {
		t.Fatalf("error %v, want a *ResumeError wrapping errFlaky", err)
	}
	if re.Attempts != 4 || re.Cursor != "4" || !strings.Contains(err.Error(), "4 attempts") || !strings.Contains(err.Error(), "MaxAttempts") {
		t.Errorf("error %q (Attempts %d, Cursor %q), want 4 attempts after \"4\", MaxAttempts", err, re.Attempts, re.Cursor)
	}
	if len(f.openings) != 4 {
		t.Errorf("opened %d times, want 4", len(f.openings))
	}
}

// TestResumeProgressResets: a value delivered starts a new series, so a
// source that fails after every value, more often than MaxAttempts in
// all, still completes.
func TestResumeProgressResets(t *testing.T) {
	faults := map[int]int{}
	for i := 1; i <= 10; i++ {
		faults[i] = 1
	}
	f := newFlaky(10, faults)
	opts := fastRetry(nil)
	opts.MaxAttempts = 2
	got, err := collect(sluice.Resume(context.Background(), f.openAfter, cursor, opts))
	if err != nil || len(got) != 10 {
		t.Fatalf("yielded %v, then %v; want 0..9 and the end: 10 failures, each after progress", got, err)
	}
}

// TestResumeMaxElapsed: no reopening is made whose delay would end past
// MaxElapsed. The delay before the first reopening is drawn up to an
// hour, MaxElapsed is a microsecond: the stage gives up at once rather
// than sleep (unless it drew a delay under a microsecond: 1 in 3.6e9).
func TestResumeMaxElapsed(t *testing.T) {
	f := newFlaky(10, map[int]int{3: 100})
	opts := &sluice.ResumeOptions{InitialDelay: time.Hour, MaxElapsed: time.Microsecond}
	_, err := collect(sluice.Resume(context.Background(), f.openAfter, cursor, opts))
	var re *sluice.ResumeError
	if !errors.As(err, &re) || re.Attempts != 1 || !strings.Contains(err.Error(), "MaxElapsed") {
		t.Fatalf("error %v, want a ResumeError after 1 attempt, for MaxElapsed", err)
	}
}

// TestResumeNilTransient: without a classifier every failure is
// transient: the stream survives errFlaky and any other error alike.
func TestResumeNilTransient(t *testing.T) {
	f := newFlaky(6, map[int]int{2: 1})
	f.failAt, f.failErr = 4, errors.New("some error")
	opts := &sluice.ResumeOptions{InitialDelay: time.Microsecond, MaxAttempts: 3}
	got, err := collect(sluice.Resume(context.Background(), f.openAfter, cursor, opts))
	var re *sluice.ResumeError
	if !errors.As(err, &re) || re.Attempts != 3 || !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Fatalf("yielded %v, then %v; want 0..3, then a ResumeError after 3 attempts", got, err)
	}
}

// TestResumeCancelDuringBackoff: ctx canceled while the stage waits to
// reopen (an hour) ends the stream with the cancellation, without
// another opening. (The conformance suite's Backoff variants check the
// same against the clock, in both forms, and for leaks.)
func TestResumeCancelDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	shutdown := errors.New("shutdown")
	f := newFlaky(10, map[int]int{4: 1})
	opts := &sluice.ResumeOptions{Transient: isFlaky, InitialDelay: time.Hour, MaxElapsed: 2 * time.Hour,
		OnRetry: func(sluice.RetryEvent) { cancel(shutdown) }}
	got, err := collect(sluice.Resume(ctx, f.openAfter, cursor, opts))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, shutdown) || len(got) != 4 {
		t.Fatalf("yielded %v, then %v; want 0..3, then the cancellation with its cause", got, err)
	}
	if len(f.openings) != 1 {
		t.Errorf("opened %d times, want once: no reopening after the cancellation", len(f.openings))
	}
}

// TestResumeCanceledSource: a source that fails because ctx is done is
// not reopened, nor offered to Transient, nor told to OnRetry as a retry,
// and its own error, which says the cancellation already, is kept.
func TestResumeCanceledSource(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFlaky(10, nil)
	open := func(ctx context.Context, after string) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			for v, err := range f.openAfter(ctx, after) {
				if err != nil {
					err = fmt.Errorf("flaky: %w", err)
				}
				if !yield(v, err) {
					return
				}
			}
		}
	}
	asked, told := 0, 0
	opts := &sluice.ResumeOptions{
		Transient: func(error) bool { asked++; return true },
		OnRetry:   func(sluice.RetryEvent) { told++ },
	}
	n := 0
	for _, err := range sluice.Resume(ctx, open, cursor, opts) {
		if err != nil {
			if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "flaky: ") {
				t.Errorf("error %v, want the source's own, matching context.Canceled", err)
			}
			break
		}
		if n++; n == 3 {
			cancel()
		}
	}
	if len(f.openings) != 1 || asked != 0 || told != 0 {
		t.Errorf("opened %d times, Transient asked %d times, OnRetry told %d times; want 1, 0, 0", len(f.openings), asked, told)
	}
}

// TestResumeEmptyCursor: a failure after a value whose cursor is "" ends
// the stream: reopening after "" would deliver every value again.
func TestResumeEmptyCursor(t *testing.T) {
	f := newFlaky(10, map[int]int{3: 1})
	got, err := collect(sluice.Resume(context.Background(), f.openAfter, func(int) string { return "" }, fastRetry(nil)))
	if err == nil || !errors.Is(err, errFlaky) || !strings.Contains(err.Error(), `cursor is ""`) || len(got) != 3 {
		t.Fatalf("yielded %v, then %v; want 0..2, then an error about the empty cursor wrapping the failure", got, err)
	}
	if len(f.openings) != 1 {
		t.Errorf("opened %d times, want once", len(f.openings))
	}
}

// TestResumeInvalid: bad arguments are the iterator's only pair, and the
// channel form's stop returns them, before any opening.
func TestResumeInvalid(t *testing.T) {
	f := newFlaky(3, nil)
	for _, tc := range []struct {
		name   string
		open   func(context.Context, string) iter.Seq2[int, error]
		cursor func(int) string
		opts   *sluice.ResumeOptions
		want   string
	}{
		{"nil open", nil, cursor, nil, "nil open"},
		{"nil cursor", f.openAfter, nil, nil, "nil cursor"},
		{"MaxAttempts", f.openAfter, cursor, &sluice.ResumeOptions{MaxAttempts: -1}, "MaxAttempts is -1"},
		{"MaxElapsed", f.openAfter, cursor, &sluice.ResumeOptions{MaxElapsed: -1}, "MaxElapsed is -1ns"},
		{"InitialDelay", f.openAfter, cursor, &sluice.ResumeOptions{InitialDelay: -1}, "InitialDelay is -1ns"},
		{"MaxDelay", f.openAfter, cursor, &sluice.ResumeOptions{MaxDelay: -1}, "MaxDelay is -1ns"},
		{"InitialDelay>MaxDelay", f.openAfter, cursor, &sluice.ResumeOptions{InitialDelay: 2, MaxDelay: 1}, "more than MaxDelay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := collect(sluice.Resume(context.Background(), tc.open, tc.cursor, tc.opts))
			if len(got) != 0 || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Resume yielded %v, then %v; want only an error saying %q", got, err, tc.want)
			}
			ch, stop := sluice.ResumeStream(context.Background(), tc.open, tc.cursor, tc.opts, nil)
			if _, ok := <-ch; ok {
				t.Error("ResumeStream sent a value, want a closed channel")
			}
			if err := stop(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ResumeStream's stop = %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if len(f.openings) != 0 {
		t.Errorf("the source was opened %d times, want never", len(f.openings))
	}
	// A StreamOptions that cannot be honoured is ResumeStream's error too.
	_, stop := sluice.ResumeStream(context.Background(), f.openAfter, cursor, nil, &sluice.StreamOptions{Buffer: -1})
	if err := stop(); err == nil || !strings.Contains(err.Error(), "Buffer") {
		t.Errorf("stop = %v, want the error of StreamOptions.Buffer", err)
	}
}

// TestResumeStreamObserver: the channel form tells each reopening to its
// Observer when it is a RetryObserver, named, beside OnRetry; an Observer
// that is not one still hears the sends and the end.
func TestResumeStreamObserver(t *testing.T) {
	rec := &retryRecorder{}
	var onRetry []sluice.RetryEvent
	opts := fastRetry(&sluice.ResumeOptions{OnRetry: func(e sluice.RetryEvent) { onRetry = append(onRetry, e) }})
	f := newFlaky(10, map[int]int{2: 1, 7: 2})
	ch, stop := sluice.ResumeStream(context.Background(), f.openAfter, cursor, opts, &sluice.StreamOptions{Name: "items", Observer: rec})
	var got []int
	for v := range ch {
		got = append(got, v)
	}
	if err := stop(); err != nil || len(got) != 10 {
		t.Fatalf("received %v, then %v; want 0..9 and nil", got, err)
	}
	events := rec.events()
	if len(events) != 3 || !slices.Equal(events, onRetry) {
		t.Fatalf("the Observer heard %v and OnRetry %v, want the same 3 retries", events, onRetry)
	}
	for i, want := range []struct {
		attempt int
		cursor  string
	}{{1, "1"}, {1, "6"}, {2, "6"}} {
		if e := events[i]; e.Stream != "items" || e.Attempt != want.attempt || e.Cursor != want.cursor {
			t.Errorf("retry %d = {Stream: %q, Attempt: %d, Cursor: %q}, want {items, %d, %q}", i, e.Stream, e.Attempt, e.Cursor, want.attempt, want.cursor)
		}
	}
	if len(rec.sends) != 10 || len(rec.ends) != 1 || rec.ends[0].Reason != sluice.Exhausted {
		t.Errorf("the Observer heard %d sends and ends %v, want 10 sends and one exhausted end", len(rec.sends), rec.ends)
	}

	plain := &recorder{}
	ch, stop = sluice.ResumeStream(context.Background(), newFlaky(5, map[int]int{2: 1}).openAfter, cursor, fastRetry(nil), &sluice.StreamOptions{Observer: plain})
	for range ch {
	}
	if err := stop(); err != nil || len(plain.sends) != 5 {
		t.Errorf("with a plain Observer: stop = %v after %d sends, want nil after 5", err, len(plain.sends))
	}
}
