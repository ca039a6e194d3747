package observe

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/sluice-go/sluice"
)

// LogOptions configure [Log]. A nil *LogOptions means the defaults: every
// end logged, no per-send record.
type LogOptions struct {
	// SlowSend, if positive, makes Log write a Warn record "slow send"
	// (attributes stream, wait, len, cap) for each send that waited at
	// least this long for the consumer: a sign of a slow consumer, or of
	// a buffer too small for its bursts. Zero, the default, logs nothing
	// per send.
	SlowSend time.Duration

	// Level, if not nil, is the minimum level of the records Log writes,
	// on top of whatever the logger's handler filters. For example
	// slog.LevelWarn logs only the streams that did not end normally.
	Level slog.Leveler
}

// Log returns an Observer that logs the end of every stream to l, or to
// slog.Default() at the time of each record when l is nil.
//
// Each end is one record "stream ended" with the attributes stream, items,
// duration and reason; for a stream that was canceled, passed its deadline
// or failed, also error and, where the context's cause says more than the
// context's error, cause (see the package documentation, "Records"). The
// level is Info for exhausted and stopped, Warn for canceled and
// deadline_exceeded, Error for failed.
//
// The Observer is safe for concurrent use, so one may serve many streams.
func Log(l *slog.Logger, opts *LogOptions) sluice.Observer {
	o := &logObserver{l: l}
	if opts != nil {
		o.slow = opts.SlowSend
		o.min = opts.Level
	}
	return o
}

type logObserver struct {
	l    *slog.Logger // nil: slog.Default()
	slow time.Duration
	min  slog.Leveler
}

func (o *logObserver) logger() *slog.Logger {
	if o.l != nil {
		return o.l
	}
	// Looked up at each record rather than once in Log, so that a program
	// that calls slog.SetDefault after building its streams is obeyed.
	return slog.Default()
}

// enabled reports whether a record of level would be written, so that
// nothing is formatted for one that would not.
func (o *logObserver) enabled(l *slog.Logger, level slog.Level) bool {
	if o.min != nil && level < o.min.Level() {
		return false
	}
	return l.Enabled(context.Background(), level)
}

func (o *logObserver) Sent(e sluice.SendEvent) {
	if o.slow <= 0 || e.Wait < o.slow {
		return
	}
	l := o.logger()
	if !o.enabled(l, slog.LevelWarn) {
		return
	}
	l.LogAttrs(context.Background(), slog.LevelWarn, "slow send",
		slog.String("stream", e.Stream),
		slog.Duration("wait", e.Wait),
		slog.Int("len", e.Len),
		slog.Int("cap", e.Cap),
	)
}

func (o *logObserver) Ended(e sluice.EndEvent) {
	level := endLevel(e.Reason)
	l := o.logger()
	if !o.enabled(l, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 6)
	attrs = append(attrs,
		slog.String("stream", e.Stream),
		slog.Int64("items", e.Items),
		slog.Duration("duration", e.Duration),
		slog.String("reason", e.Reason.String()),
	)
	if e.Err != nil {
		attrs = append(attrs, slog.Any("error", e.Err))
		if cause := causeOf(e.Err); cause != nil {
			attrs = append(attrs, slog.Any("cause", cause))
		}
	}
	l.LogAttrs(context.Background(), level, "stream ended", attrs...)
}

// endLevel is the level of the record of a stream that ended for reason r.
func endLevel(r sluice.Reason) slog.Level {
	switch r {
	case sluice.Exhausted, sluice.Stopped:
		return slog.LevelInfo
	case sluice.Canceled, sluice.DeadlineExceeded:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}

// causeOf returns the context cause that err carries beside the context's
// own error, or nil if it carries none.
//
// An Observer never sees the context, only the terminal error, so the
// cause is found in the shape [sluice.ContextError] gives it: an error
// wrapping both context.Canceled (or context.DeadlineExceeded) and the
// cause, fmt.Errorf("%w: %w", ctx.Err(), cause), possibly wrapped again by
// the source. A context without a cause of its own yields the bare
// context error, and no cause is reported.
func causeOf(err error) error {
	switch x := err.(type) {
	case interface{ Unwrap() error }:
		return causeOf(x.Unwrap())
	case interface{ Unwrap() []error }:
		errs := x.Unwrap()
		var others []error
		ctxErr := false
		for _, e := range errs {
			if e == context.Canceled || e == context.DeadlineExceeded {
				ctxErr = true
			} else if e != nil {
				others = append(others, e)
			}
		}
		if ctxErr && len(others) > 0 {
			if len(others) == 1 {
				return others[0]
			}
			return errors.Join(others...)
		}
		for _, e := range errs {
			if c := causeOf(e); c != nil {
				return c
			}
		}
	}
	return nil
}
