// Package sluice turns pull-based APIs into streams that can be canceled,
// resumed and observed.
//
// Every source comes in two forms: an iterator, [iter.Seq2][V, error], for
// in-process iteration, and a channel generator for concurrent pipelines.
// The source packages (sources/walkdir, sources/scanner, sources/sqlrows,
// sources/s3list, sources/watch) each offer the pair
//
//	func All(ctx context.Context, <source>, opts *Options) iter.Seq2[V, error]
//	func Stream(ctx context.Context, <source>, opts *Options, sopts *sluice.StreamOptions) (<-chan V, func() error)
//
// This package holds what they share: [Stream], which turns any iterator
// into the channel form, and [StreamBatches], its batched twin; [FromStream],
// which turns a channel back into an iterator; [Batch], [Concat] and
// [Flatten] on iterators; the channel stages [Merge], [Tee], [Bridge]
// and [Buffer]; the stages that work on the values as they pass: [Map]
// and [MapStream], f on n goroutines with the results in order (and
// [MapUnordered], [MapUnorderedStream]), [Limit] and [LimitStream], at
// most r values a second through a [Limiter], and [BatchStream], a
// stream's values in batches by count or time; and the pieces of the
// contract below that a source written elsewhere needs too ([SingleUse],
// [Fail], [FailedStream], [Skip], [ContextError]). It depends only on the
// standard library.
//
// # One shape for every source
//
// Every source, sink and the sluice command keep these rules; a source
// written elsewhere that keeps them can be used in their place.
//
//   - Forms and names. Each entry point is a pair: an iterator named for
//     what it ranges over (All, Dir, File, Keyset, Rows, Batches) and its
//     channel form, the same name followed by Stream (Stream for All:
//     DirStream, FileStream, KeysetStream, RowsStream, BatchesStream). A
//     name with Stream returns a channel; a name without returns an
//     iterator.
//   - What All takes. All and Stream take the handle the wrapped API
//     takes: an [io/fs.FS] and a root for walkdir, an [io.Reader] for
//     scanner, a Querier for sqlrows, an S3 client for s3list, and an
//     operating-system directory for watch, since fsnotify watches paths.
//     A form that opens an operating-system path itself is named for what
//     it opens (walkdir.Dir, scanner.File).
//   - Options. Both forms take the package's *Options, which holds only
//     what shapes the values; nil means the defaults. How the channel
//     form delivers them (Buffer, Name, Observer, BatchSize, BatchWait) is
//     a *[StreamOptions], the last parameter of every channel form, as of
//     every channel function in this package, so an iterator form never
//     takes an option it would ignore. A source with nothing to configure
//     (sqlrows.All) takes no *Options.
//   - Invalid input. Options, a nil handle, a nil function and a malformed
//     cursor are checked once, when the function is called, before any
//     I/O. The error names the problem and the package
//     ("walkdir: Options.Workers is -1; want 0 or more"). The iterator
//     yields it as its only pair ([Fail]); the channel form returns a
//     closed channel whose stop returns it ([FailedStream]). Never a panic,
//     never a silently empty stream.
//   - Cursors. A cursor is "v1:" followed by the source's own position
//     (a path, a byte offset and line, an encoded key, an S3 key), so a
//     source can change what its cursors hold and still read the old
//     ones. After "" starts at the beginning. After refuses a cursor it
//     cannot resume strictly after (malformed, of another version, outside
//     the source: not under the root, not under the prefix, past the end)
//     with an error wrapping the package's ErrBadCursor, worded
//     `<package>: bad cursor "<cursor>": <why>`, as the only pair. It
//     never starts again from the beginning instead.
//   - Filters. A Filter option is a func(V) error answered as an
//     [io/fs.WalkDirFunc] is: nil keeps the value, [Skip] leaves it out,
//     fs.SkipDir leaves out a directory and everything under it,
//     fs.SkipAll ends the stream without error, and any other error ends
//     the stream with that error.
//   - Errors. A package's sentinel errors begin with its name
//     ("walkdir: symbolic link loop"). An error is wrapped only with what
//     the caller needs to act on it (a path, a key, a query), with %w. A
//     call cut short by a cancellation ends the stream with the
//     cancellation ([ContextError]), not with the call's own error.
//   - Cancellation is checked once per value, or once per page or batch
//     where a source reads them whole, with [ContextError]; a call blocked
//     in an API that takes no context is interrupted (a deadline in the
//     past, a closed connection) and then released, with no goroutine left.
//   - Single use. A source over something that can be read only once (an
//     io.Reader, open rows, a channel) says "It returns a single-use
//     iterator" and is guarded by [SingleUse].
//   - Dependencies. Each package's documentation says which modules
//     outside the standard library it compiles; a source's dependency is
//     compiled only by the package that needs it.
//
// How each package of this module keeps them:
//
//	package   pairs (iterator / channel)              options         cursor                     Filter
//	walkdir   All/Stream, Dir/DirStream               *Options        v1:<path under the root>   func(Entry) error
//	scanner   All/Stream, File/FileStream,            *Options        v1:<offset>:<line>         -
//	          Batches/BatchesStream,
//	          FileBatches/FileBatchesStream
//	sqlrows   All/Stream, SQL/SQLStream,              none            - (a query has no order)   -
//	          Rows/RowsStream, SQLRows/SQLRowsStream
//	          Keyset/KeysetStream                     *KeysetOptions  v1:<encoded key values>    -
//	s3list    All/Stream, Entries/EntriesStream       *Options        v1:<key under the prefix>  -
//	watch     All/Stream                              *Options        - (events are not replayed) func(Event) error
//
// Every channel form above takes *[StreamOptions] last, every package
// checks its input with the iterator and channel forms' [Fail] and
// [FailedStream], names its sentinel errors after itself, and passes the
// conformance suite with StreamFail and, where it has cursors, BadCursors.
// The sinks keep the same rules where they apply: pgcopy.Sink.Write,
// s3sink.Objects.Write and s3sink.Upload check their configuration once,
// before any I/O, with an error naming the field, and end with the
// cancellation when their context is done.
//
// # Iterators
//
// An iterator does nothing until it is ranged: no I/O, no goroutine. At most
// one pair carries a non-nil error; it is the last pair, and its value is
// the zero value. When the loop breaks, the iterator returns at once,
// having released what it opened. An iterator can be ranged again, each
// range starting afresh, unless its documentation says "It returns a
// single-use iterator"; ranged a second time, such an iterator yields
// [ErrReused] and nothing else.
//
//	for e, err := range walkdir.All(ctx, fsys, ".", nil) {
//		if err != nil {
//			return err // the walk failed, or ctx was canceled: never silent
//		}
//		use(e)
//	}
//
// # Channels
//
// A channel form returns the channel and a stop function. The channel is
// closed exactly once, when the source ends, fails or is stopped. stop
// cancels the producer if it is still running, waits until its goroutine
// has exited, and returns the terminal error: nil when the source ended or
// the caller stopped it early, the failure otherwise. It is idempotent and
// safe to defer; a consumer that drains the channel calls it to learn
// whether the stream was complete.
//
//	entries, stop := walkdir.Stream(ctx, fsys, ".", &walkdir.Options{Workers: 4}, nil)
//	defer stop()
//	for e := range entries {
//		use(e)
//	}
//	if err := stop(); err != nil {
//		return err
//	}
//
// Every send selects on the context, so a producer whose consumer has gone
// away exits as soon as the context is done or stop is called. Channels are
// unbuffered unless [StreamOptions].Buffer says otherwise.
//
// A channel send costs a goroutine hand-off, hundreds of nanoseconds to
// microseconds, far more than most sources spend on a value. A consumer
// of many values reads them in batches: [StreamBatches] is the batched
// channel form of any source's iterator, one send per batch of up to 256
// values, and a batch that waits sent after 5ms, so that a source that
// pauses holds nothing back; a source that makes its own batches offers
// them through [StreamBatched] (scanner.BatchesStream does).
//
//	batches, stop := sluice.StreamBatches(ctx, func(ctx context.Context) iter.Seq2[walkdir.Entry, error] {
//		return walkdir.Dir(ctx, root, nil)
//	}, nil)
//	defer stop()
//	for batch := range batches {
//		for _, e := range batch {
//			use(e)
//		}
//	}
//	if err := stop(); err != nil {
//		return err
//	}
//
// # Cancellation
//
// Cancellation is never silent. A source whose context is canceled stops
// and yields an error for which errors.Is(err, ctx.Err()) holds, with
// context.Cause where it adds detail ([ContextError]), so a consumer can
// always tell a complete stream from a truncated one. A stream stopped by
// its own consumer is not an error: its stop returns nil.
//
// # Errors
//
// A source's error ends its stream and is returned as it is, wrapped only
// to add what the caller needs to act on it (a path, a query, a key), so
// errors.Is and errors.As still reach the cause. Errors a caller may want
// to survive, such as one unreadable directory in a walk, go through an
// option of the source (OnError), never as an error pair that is not the
// last.
//
// # Resuming
//
// A source that can resume gives each value a cursor, an opaque string
// (Entry.Cursor(), an S3 key, a byte offset, an encoded keyset), and takes
// an After option: the cursor to continue strictly after. For a cursor c
// taken from a full run, the values up to c followed by a run resumed after
// c equal the full run. A consumer that writes somewhere durable records
// the cursor of the last value it has made durable (package checkpoint) and
// resumes after it on restart.
//
// A stream resumes by itself after a failure with [Resume], or its channel
// form [ResumeStream]: given a source's resumable constructor, a function
// from a cursor to the source resumed strictly after it, it reopens the
// source after each transient failure strictly after the cursor of the last
// value it delivered, with exponential backoff and full jitter, up to a limit
// in attempts and in time, so that the consumer sees every value once and in
// order. Each source package says which of its errors are transient
// (sqlrows.Transient, s3list.Transient, walkdir.Transient).
//
//	open := func(ctx context.Context, after string) iter.Seq2[walkdir.Entry, error] {
//		return walkdir.Dir(ctx, root, &walkdir.Options{After: after})
//	}
//	for e, err := range sluice.Resume(ctx, open, walkdir.Entry.Cursor, &sluice.ResumeOptions{Transient: walkdir.Transient}) {
//		…
//	}
//
// # Observing
//
// A named stream ([StreamOptions].Name) labels its producer goroutine with
// the pprof label sluice.stream=<name>. An [Observer] hears each send, with
// the time it waited for the consumer and the buffer's fill, and the end of
// the stream with its [Reason]. An Observer that also implements
// [RetryObserver] hears each reopening of a [ResumeStream]'s source.
// Package observe turns these into log lines and metrics.
//
// # Testing
//
// Package conformance checks that a source keeps this contract: that it
// ends complete or with an error, never leaks a goroutine or a resource,
// and honours cancellation in both forms. Every source in this module
// passes it, and a source written elsewhere can run it in its own tests.
package sluice
