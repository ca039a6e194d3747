// Package scanner streams the tokens of an [io.Reader] or a file: lines by
// default, words, or what any [bufio.SplitFunc] returns. It is
// bufio.Scanner made cancelable, resumable and safe: a read error is the
// last value of the stream rather than an Err method to forget, an
// oversized token is reported with its offset or skipped, and a Read
// blocked on a pipe or a connection is interrupted when the context is
// done. It imports only the standard library and the root package.
//
// Each source comes as the pair of package sluice, an iterator and its
// channel form, and as batches for high rates, again an iterator and its
// channel form:
//
//	All(ctx, r, opts)            / Stream(ctx, r, opts, sopts)
//	Batches(ctx, r, opts)        / BatchesStream(ctx, r, opts, sopts)
//	File(ctx, path, opts)        / FileStream(ctx, path, opts, sopts)
//	FileBatches(ctx, path, opts) / FileBatchesStream(ctx, path, opts, sopts)
//
// Invalid options, a nil reader and a malformed Options.After are reported
// when the function is called, before any I/O: as the only pair of an
// iterator, from stop of a channel form.
//
// # Ordering
//
// Tokens come in the order of the input, each with the byte offset where
// it starts and the line it starts on. Lines are split as
// [bufio.ScanLines] splits them: a line ends at "\n", a "\r" just before
// it is dropped (a lone "\r" elsewhere is kept), and a last line without
// "\n" is a line too, so a file yields as many lines as wc -l counts, plus
// one if its last line has no newline. An empty input yields nothing.
//
// # Aliasing
//
// In the iterator forms, All and File, a token's Bytes aliases the read
// buffer: it is valid only until the loop body returns, as
// [bufio.Scanner.Bytes] is until the next Scan. Offset, Line and Cursor
// are plain values. Keep [Token.Clone] or [Token.Text] of a token to keep
// its bytes. The batches and the channel forms never hand out memory the
// scanner will write again: Stream and FileStream send a copy of each
// token; Batches, FileBatches and their channel forms, without copying,
// tokens of read buffers the scanner leaves to them, so that a kept token
// keeps its buffer (256 KiB) alive.
//
// # Resuming
//
// [Token.Cursor] is where the scan went on after the token: the offset
// just after it and its delimiter, and the line number there, as
// "v1:<offset>:<line>". A scan with Options.After set to it yields exactly
// the tokens after it: a file or an [io.Seeker] is sought there, another
// reader is read and discarded up to it. Resuming is exact for lines and
// words, and for any split function that, like them, decides a token from
// its own bytes and those after it.
//
// A cursor that is not one of this package (malformed, of another
// version, or the bare "<offset>:<line>" of before v1, which is migrated
// by prefixing "v1:"), past the end of the input, or, for a reader read
// up to it, on another line than it says, is refused with an error
// wrapping [ErrBadCursor], `scanner: bad cursor "<cursor>": <why>`, as
// the only pair of the scan: never a silent read from the start. A cursor
// past the end of a reader that cannot seek is found to be so when the
// reader ends before the offset.
//
// A last line without "\n" is a line: for a file still being written, a
// resumed run starts after the bytes that were there, so a line being
// written when the scan ended comes in two parts.
//
// # Shards
//
// [NewFileSharder] cuts the lines of a file into shards (package
// [github.com/sluice-go/sluice/shard]), so that many processes, each with
// one shard, read the file together: each line is read by exactly one
// shard, the one its first byte lies in. A shard is a byte range
// [Start, End) whose ends are line starts, each written "<offset>:<line>"
// ("" for the start and the end of the file), and its Source is
// "scanner:" and the cleaned path, so a shard of another file is refused.
//
//	fs, err := scanner.NewFileSharder("/data/events.log", nil)
//	shards, err := fs.Split(ctx, 16)  // one job per shard
//	r, err := fs.Open(shards[i])      // in a worker
//	for tok, err := range r.All(ctx) { … } // save r.Shard() with what it wrote
//
// Split cuts at size/n, moves each cut forward to the start of the next
// line, and counts the lines before each cut, reading the file up to its
// last cut: so a shard's tokens carry the Offset, Line and Cursor that the
// whole file's scan ([File]) gives them, and a shard's Cursor is an
// ordinary cursor. Cuts that fall in one line (a file of few lines, one
// line longer than the others put together) become one: fewer shards come
// back. An empty file is one shard.
//
// A reader reads from Start, or strictly after its Cursor, the lines that
// start before End; the last reads past End to the end of its line. Its
// Split gives away the lines not yet yielded, or part of them, as a new
// shard: the reader stops exactly before it, even for lines already in its
// buffer. Its tokens are safe to keep (a new read buffer each time, as for
// [Batches]), since [shard.Stream] sends them on a channel. MaxTokenSize
// and OnTooLong apply per shard, to the lines the shard owns.
//
// Only lines are cut: a custom Options.Split is refused, since where one
// of its tokens begins depends on every byte before it.
//
// Shards describe the file as Split read it. Lines appended later belong to
// the last shard, whose End is the end of the file when it is read (a last
// line without "\n" completed later is read in two parts, as for a
// resumed scan). A file that shrank below a shard, or no longer has a line
// starting at a shard's Start, fails that shard's scan with an error saying
// it changed; other rewrites go unseen, as for a cursor.
//
// # Cancellation
//
// When ctx is done, the scan ends with an error matching ctx.Err() (see
// [sluice.ContextError]): it checks ctx before each Read, every 1024 lines
// (every token for a custom Split) and at the end of the input, so a
// canceled stream never looks complete. A Read blocked
// when ctx is done is interrupted when the reader allows it:
//
//   - a reader with SetReadDeadline, such as the *os.File of os.Pipe, of a
//     FIFO or a socket, and net.Conn: the scan sets a read deadline in the
//     past, and clears it when it ends;
//   - an [io.Closer], such as an io.PipeReader or an HTTP body, when
//     Options.CloseOnCancel is set: the scan closes it.
//
// The scan then reports the cancellation, not the reader's error. A Read
// that none of these reach (a terminal, os.Stdin in blocking mode, a reader
// that ignores both) ends the scan only when it returns. A regular file
// does not block for long, and is canceled between Reads.
//
// # Errors
//
// Errors begin with "scanner: " and wrap their cause: a file that cannot
// be opened wraps the *fs.PathError, so errors.Is(err, fs.ErrNotExist)
// holds; a read error is the last value of the stream, with its offset; a
// token longer than Options.MaxTokenSize (1 MiB by default) ends the scan
// with a *TooLongError, which matches bufio.ErrTooLong, unless
// Options.OnTooLong chooses to skip it.
package scanner
