// Package observe turns what a stream's [sluice.Observer] hears into
// structured logs: [Log] writes one record when a stream ends (and, when
// asked, one for each send that waited too long for its consumer), and
// [Multi] gives one stream several observers. Package observe/prom records
// the same events as Prometheus metrics, and package observe/otel as
// OpenTelemetry instruments.
//
// It imports only the standard library and the root package.
//
//	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
//	ch, stop := sluice.Stream(ctx, seq, &sluice.StreamOptions{
//		Name:     "orders",
//		Observer: observe.Multi(metrics, observe.Log(logger, nil)),
//	})
//
// # Records
//
// At the end of every stream Log writes the record "stream ended" with the
// attributes stream (StreamOptions.Name), items (values sent), duration
// and reason ([sluice.Reason.String]). A stream that did not end
// normally also has error, the terminal error, and, when the context was
// canceled with a cause (context.WithCancelCause, context.WithDeadlineCause,
// …), cause: the cause alone, for a log search that should not have to
// parse the error text. The level follows the reason: Info for exhausted
// and stopped, Warn for canceled and deadline_exceeded, Error for failed.
//
// For each reopening of a resumed source ([sluice.ResumeStream]) Log
// writes the Warn record "stream retrying" with the attributes stream,
// attempt, delay, cursor and error: Log's Observer is a
// [sluice.RetryObserver], and so is Multi's, which passes retries on to
// those of its Observers that are.
//
// # Cost
//
// An Observer runs on the hot path of every send. Log does nothing per
// send unless LogOptions.SlowSend is set, and then only compares the
// send's wait with it; a record is formatted only for a slow send. Multi
// adds one call per observer.
package observe
