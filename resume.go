package sluice

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"time"
)

// The defaults of ResumeOptions. A failover of a database or a burst of
// throttling lasts seconds to a minute: ten attempts spaced 100ms, 200ms,
// … up to 10s, with full jitter, wait about 16s on average and 33s at
// most, and MaxElapsed cuts a series short when the openings themselves
// are slow (a connection attempt that hangs until its timeout).
const (
	defaultResumeAttempts = 10
	defaultResumeElapsed  = time.Minute
	defaultResumeInitial  = 100 * time.Millisecond
	defaultResumeMaxDelay = 10 * time.Second
)

// ResumeOptions configure [Resume] and [ResumeStream]. A nil
// *ResumeOptions means the defaults: every error but a cancellation
// transient, and up to 10 attempts in a minute, from 100ms apart to 10s.
//
// Attempts are counted, and MaxElapsed measured, since the last value
// delivered: a reopened source that delivers a value has recovered, and
// the next failure starts a new series with a full allowance, so a
// stream that runs for hours survives one failure an hour however many
// hours it runs.
type ResumeOptions struct {
	// After, if not "", is the cursor to start strictly after, as a
	// source's Options.After: the first opening of the source is
	// open(ctx, After).
	After string

	// Transient reports whether a failure of the source is worth
	// reopening it for. Each source package says which of its errors are
	// transient in a function of its own (sqlrows.Transient,
	// s3list.Transient, walkdir.Transient), which is what to pass here.
	// nil calls every error transient: a permanent one then costs
	// MaxAttempts openings before the stream ends with it. A failure
	// while ctx is done is never retried, whatever Transient says: the
	// stream ends with the cancellation.
	Transient func(error) bool

	// MaxAttempts is the most times the source is opened without a value
	// delivered in between, the first opening included: 1 never reopens.
	// Zero means 10.
	MaxAttempts int

	// MaxElapsed bounds how long a series of failures goes on: no
	// reopening is made whose delay would end more than MaxElapsed after
	// the failure that began the series. Zero means one minute.
	MaxElapsed time.Duration

	// InitialDelay is the ceiling of the delay before the first reopening
	// of a series; each later one doubles it, up to MaxDelay. The delay
	// itself is drawn uniformly between zero and that ceiling ("full
	// jitter"), so that many streams failing together do not return
	// together. Zero means 100ms.
	InitialDelay time.Duration

	// MaxDelay caps the ceiling of the delay. Zero means 10s, or
	// InitialDelay if that is longer.
	MaxDelay time.Duration

	// OnRetry, if not nil, is called before each reopening, before its
	// delay, with what [RetryObserver] hears; in both forms, from the
	// goroutine that ranges the source. It must not block. The channel
	// form also tells its StreamOptions.Observer, if that implements
	// RetryObserver.
	OnRetry func(RetryEvent)
}

// A ResumeError is the error that ends a [Resume] stream whose source
// failed and was not reopened: its failure was not transient, or it
// failed MaxAttempts times in a row, or MaxElapsed would have passed
// before the next opening. Unwrap gives the last failure, so errors.Is and
// errors.As reach the source's own error.
type ResumeError struct {
	// Attempts is how many times the source was opened since the last
	// value delivered (since the start if none was), the failed opening
	// that ended the stream included.
	Attempts int

	// Cursor is the cursor that opening resumed after: that of the last
	// value delivered, or ResumeOptions.After if none was. A later run
	// that starts after it misses nothing and repeats nothing.
	Cursor string

	// Err is the last failure of the source.
	Err error

	why string // "not transient", "MaxAttempts", "MaxElapsed"
}

func (e *ResumeError) Error() string {
	s := "s"
	if e.Attempts == 1 {
		s = ""
	}
	return fmt.Sprintf("sluice: source gave up after %d attempt%s (%s): %v", e.Attempts, s, e.why, e.Err)
}

func (e *ResumeError) Unwrap() error { return e.Err }

// Resume returns an iterator over the values of the source that open
// opens, reopened after each transient failure strictly after the cursor
// of the last value it delivered, so that every value comes exactly once
// and in order across the reopenings. open is a source's resumable
// constructor: open(ctx, c) is the source resumed strictly after the
// cursor c ("" for the start), as a source's Options.After takes it:
//
//	open := func(ctx context.Context, after string) iter.Seq2[walkdir.Entry, error] {
//		return walkdir.Dir(ctx, root, &walkdir.Options{After: after})
//	}
//	for e, err := range sluice.Resume(ctx, open, walkdir.Entry.Cursor, &sluice.ResumeOptions{Transient: walkdir.Transient}) {
//
// cursor returns the cursor of a value. It is called only when a source
// fails, on the last value delivered, not on every value: a source whose
// cursors cost something to make (an encoded key) costs nothing more
// until it fails. So a value must still tell its cursor after its
// iteration (every source of this module's does; a token's Bytes may
// change, its Cursor does not).
//
// When the source fails, Resume asks opts.Transient. For a transient
// failure it waits (with exponential backoff and full jitter, see
// [ResumeOptions]), tells opts.OnRetry, and reopens the source after the
// last cursor, until the source ends, fails with an error that is not
// transient, or runs out of attempts or time; then the stream ends with a
// [*ResumeError] wrapping the last failure. A value whose cursor is ""
// cannot be resumed after without starting again: a failure after one
// ends the stream.
//
// The error message says how many attempts were made and why the stage
// gave up ("not transient", ResumeOptions.MaxAttempts or MaxElapsed):
//
//	sluice: source gave up after 1 attempt (not transient): connection reset by peer
//
// When ctx is done, in the source or during a wait, the stream ends at
// once with an error matching ctx.Err() ([ContextError]). Resume starts
// no goroutine: it waits in the goroutine that ranges it. Each range
// starts afresh at opts.After (open is called again). A nil open or
// cursor, or invalid options, is the iterator's only error.
func Resume[V any](ctx context.Context, open func(ctx context.Context, after string) iter.Seq2[V, error], cursor func(V) string, opts *ResumeOptions) iter.Seq2[V, error] {
	r, err := newResumer(open, cursor, opts)
	if err != nil {
		return Fail[V](err)
	}
	return func(yield func(V, error) bool) { r.run(ctx, yield, nil, "") }
}

// ResumeStream is the channel form of [Resume]: the source is opened and
// reopened in the producer goroutine, with a context that stop cancels,
// so stop ends a wait between attempts at once. Each reopening is told to
// opts.OnRetry and, if it implements [RetryObserver], to
// sopts.Observer. Invalid arguments close the channel before ResumeStream
// returns, and stop returns their error.
func ResumeStream[V any](ctx context.Context, open func(ctx context.Context, after string) iter.Seq2[V, error], cursor func(V) string, opts *ResumeOptions, sopts *StreamOptions) (<-chan V, func() error) {
	r, err := newResumer(open, cursor, opts)
	if err != nil {
		return FailedStream[V](err)
	}
	var obs RetryObserver
	var name string
	if sopts != nil {
		obs, _ = sopts.Observer.(RetryObserver)
		name = sopts.Name
	}
	return StreamFunc(ctx, func(ctx context.Context) iter.Seq2[V, error] {
		return func(yield func(V, error) bool) { r.run(ctx, yield, obs, name) }
	}, sopts)
}

var (
	errNilOpen   = errors.New("sluice: Resume of a nil open function")
	errNilCursor = errors.New("sluice: Resume of a nil cursor function")
)

// resumer is the checked arguments of Resume: what every range starts
// from. It is only read once made.
type resumer[V any] struct {
	open      func(context.Context, string) iter.Seq2[V, error]
	cursor    func(V) string
	after     string
	transient func(error) bool
	onRetry   func(RetryEvent)
	attempts  int
	elapsed   time.Duration
	initial   time.Duration
	maxDelay  time.Duration
}

func newResumer[V any](open func(context.Context, string) iter.Seq2[V, error], cursor func(V) string, opts *ResumeOptions) (*resumer[V], error) {
	var o ResumeOptions
	if opts != nil {
		o = *opts
	}
	switch {
	case open == nil:
		return nil, errNilOpen
	case cursor == nil:
		return nil, errNilCursor
	case o.MaxAttempts < 0:
		return nil, fmt.Errorf("sluice: ResumeOptions.MaxAttempts is %d, want 0 or more", o.MaxAttempts)
	case o.MaxElapsed < 0:
		return nil, fmt.Errorf("sluice: ResumeOptions.MaxElapsed is %v, want 0 or more", o.MaxElapsed)
	case o.InitialDelay < 0:
		return nil, fmt.Errorf("sluice: ResumeOptions.InitialDelay is %v, want 0 or more", o.InitialDelay)
	case o.MaxDelay < 0:
		return nil, fmt.Errorf("sluice: ResumeOptions.MaxDelay is %v, want 0 or more", o.MaxDelay)
	case o.MaxDelay > 0 && o.InitialDelay > o.MaxDelay:
		return nil, fmt.Errorf("sluice: ResumeOptions.InitialDelay is %v, more than MaxDelay %v", o.InitialDelay, o.MaxDelay)
	}
	r := &resumer[V]{
		open:      open,
		cursor:    cursor,
		after:     o.After,
		transient: o.Transient,
		onRetry:   o.OnRetry,
		attempts:  o.MaxAttempts,
		elapsed:   o.MaxElapsed,
		initial:   o.InitialDelay,
		maxDelay:  o.MaxDelay,
	}
	if r.attempts == 0 {
		r.attempts = defaultResumeAttempts
	}
	if r.elapsed == 0 {
		r.elapsed = defaultResumeElapsed
	}
	if r.initial == 0 {
		r.initial = defaultResumeInitial
	}
	if r.maxDelay == 0 {
		r.maxDelay = max(defaultResumeMaxDelay, r.initial)
	}
	return r, nil
}

// run ranges the source, reopening it after transient failures, and
// yields its values, then the error that ended it, if any. obs, if not
// nil, and the stream's name are the channel form's.
func (r *resumer[V]) run(ctx context.Context, yield func(V, error) bool, obs RetryObserver, name string) {
	var zero V
	after := r.after
	attempt := 0
	var series time.Time // when the current series of failures began
	for {
		attempt++
		last, delivered, broke, failure := r.attempt(ctx, after, yield)
		if broke || failure == nil {
			return // the consumer stopped, or the source ended
		}
		if err := ContextError(ctx); err != nil {
			// A failure of a canceled source is the cancellation (or
			// says it already, with the source's detail).
			if !errors.Is(failure, ctx.Err()) {
				failure = err
			}
			yield(zero, failure)
			return
		}
		now := time.Now()
		if delivered {
			c := r.cursor(last)
			if c == "" {
				yield(zero, fmt.Errorf("sluice: the source failed after a value whose cursor is \"\", which would resume it from the start: %w", failure))
				return
			}
			after, attempt, series = c, 1, now
		} else if series.IsZero() {
			series = now
		}
		giveUp := func(why string) {
			yield(zero, &ResumeError{Attempts: attempt, Cursor: after, Err: failure, why: why})
		}
		if r.transient != nil && !r.transient(failure) {
			giveUp("not transient")
			return
		}
		if attempt >= r.attempts {
			giveUp("ResumeOptions.MaxAttempts")
			return
		}
		d := r.delay(attempt)
		if now.Sub(series)+d > r.elapsed {
			giveUp("ResumeOptions.MaxElapsed")
			return
		}
		e := RetryEvent{Stream: name, Attempt: attempt, Err: failure, Delay: d, Cursor: after}
		if r.onRetry != nil {
			r.onRetry(e)
		}
		if obs != nil {
			obs.Retrying(e)
		}
		if !sleep(ctx, d) {
			yield(zero, ContextError(ctx))
			return
		}
	}
}

// attempt opens the source after the cursor after and yields its values.
// It returns the last value delivered, whether there was one, whether the
// consumer broke the loop, and the failure that ended the source, if any.
func (r *resumer[V]) attempt(ctx context.Context, after string, yield func(V, error) bool) (last V, delivered, broke bool, failure error) {
	seq := r.open(ctx, after)
	if seq == nil {
		return last, false, false, errNilSeq
	}
	stopped := false
	// seq is called directly rather than ranged: a plain closure costs
	// less per value than a range-over-func body (see Batch).
	seq(func(v V, err error) bool {
		if stopped {
			return false // a broken source that keeps yielding
		}
		if err != nil {
			failure, stopped = err, true
			return false
		}
		if !yield(v, nil) {
			broke, stopped = true, true
			return false
		}
		last, delivered = v, true
		return true
	})
	return last, delivered, broke, failure
}

// delay returns the delay before the reopening that follows the failed
// attempt n of a series (n from 1): drawn uniformly from zero to
// min(MaxDelay, InitialDelay·2^(n-1)), the "full jitter" of exponential
// backoff, which spreads the reopenings of streams that failed together
// the most for the least total wait.
func (r *resumer[V]) delay(n int) time.Duration {
	ceil := r.initial
	for i := 1; i < n && ceil < r.maxDelay; i++ {
		if ceil > r.maxDelay/2 {
			ceil = r.maxDelay
			break
		}
		ceil *= 2
	}
	ceil = min(ceil, r.maxDelay)
	// Uint64N: ceil+1 overflows an int64 when MaxDelay is the longest
	// Duration.
	return time.Duration(rand.Uint64N(uint64(ceil) + 1))
}

// sleep waits d, and reports false if ctx was done first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
