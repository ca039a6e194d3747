package observe

import (
	"context"
	"log/slog"

	"github.com/sluice-go/sluice"
)

// Log's Observer and Multi's also implement sluice.RetryObserver, so that a
// sluice.ResumeStream given either tells each reopening of its source.
var (
	_ sluice.RetryObserver = (*logObserver)(nil)
	_ sluice.RetryObserver = multi(nil)
)

// Retrying writes the Warn record "stream retrying" for each reopening of
// a resumed source (sluice.ResumeStream), with the attributes stream,
// attempt (the opening that failed), delay (the wait before the next),
// cursor (where the next resumes) and error. A failure worth a retry is
// worth a line: a stream that recovers leaves a trace of how often it had
// to, and one that gives up ends with its "stream ended" record.
func (o *logObserver) Retrying(e sluice.RetryEvent) {
	l := o.logger()
	if !o.enabled(l, slog.LevelWarn) {
		return
	}
	l.LogAttrs(context.Background(), slog.LevelWarn, "stream retrying",
		slog.String("stream", e.Stream),
		slog.Int("attempt", e.Attempt),
		slog.Duration("delay", e.Delay),
		slog.String("cursor", e.Cursor),
		slog.Any("error", e.Err),
	)
}

// Retrying passes e to each of m's Observers that is a
// sluice.RetryObserver, in order, and skips the others.
func (m multi) Retrying(e sluice.RetryEvent) {
	for _, o := range m {
		if r, ok := o.(sluice.RetryObserver); ok {
			r.Retrying(e)
		}
	}
}
