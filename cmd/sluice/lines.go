package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/sluice-go/sluice/sources/scanner"
)

var linesCommand = &command{
	name:     "lines",
	synopsis: linesSynopsis,
	summary:  "the lines of FILE, or of stdin for -",
	run:      runLines,
	flags:    func(*env) *flagSet { return linesFlags() },
}

const linesSynopsis = "lines [flags] FILE|-"

const linesAbout = `
Lines prints the lines of FILE, or of the standard input for "-", split as
bufio.ScanLines splits them (a last line without a newline is a line too).
Each line is

	{"line":1,"offset":0,"text":"the line, without its newline","cursor":"…"}

where offset is the byte offset of the line's start. A line that is not
valid UTF-8, which a JSON string cannot hold, has its bytes in base64
instead, {"text":{"bytes":"…"}}: nothing is lost. A line longer than 1 MiB
ends the run with an error. The text format prints the bytes of the line as
they are.

Resuming the standard input (--after, --checkpoint) reads and discards it
up to the cursor: give it the same input again.`

func linesFlags() *flagSet { return newFlagSet("lines", linesSynopsis, linesAbout) }

func runLines(ctx context.Context, e *env, args []string) error {
	fs := linesFlags()
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("lines", "want one file, or - for stdin, got %d arguments", len(pos))
	}
	file, ident := pos[0], "lines -"
	if file != "-" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return err
		}
		ident = "lines " + abs
	}
	r, err := start(e, fs, "lines", ident)
	if err != nil {
		return err
	}
	defer r.close()
	if r.done {
		return nil
	}
	opts := &scanner.Options{After: r.after, CloseOnCancel: true}
	var src stream[scanner.Token]
	if file == "-" {
		r.showProgress(0, false)
		src.batches, src.stop = scanner.BatchesStream(ctx, interruptible(e.stdin), opts, r.streamOptions())
	} else {
		// The progress of a file: its bytes.
		var size int64
		if fi, err := os.Stat(file); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		r.showProgress(size, true)
		src.batches, src.stop = scanner.FileBatchesStream(ctx, file, opts, r.streamOptions())
	}
	return drive(ctx, r, src, linesPrinter)
}

var linesPrinter = &printer[scanner.Token]{
	json: func(b []byte, t scanner.Token) []byte {
		b = appendField(b, "line")
		b = strconv.AppendInt(b, t.Line, 10)
		b = appendField(b, "offset")
		b = strconv.AppendInt(b, t.Offset, 10)
		b = appendField(b, "text")
		return appendString(b, t.Bytes)
	},
	// The text format prints the bytes of the line as they are.
	text:   func(b []byte, t scanner.Token) []byte { return append(b, t.Bytes...) },
	cursor: scanner.Token.Cursor,
	// Just after the line and its "\n" (a "\r" before it is not counted:
	// close enough for a progress line).
	pos: func(t scanner.Token) int64 { return t.Offset + int64(len(t.Bytes)) + 1 },
}

// interruptible returns a reader of r that a canceled scan can interrupt
// (with Options.CloseOnCancel). The standard input, in the blocking mode
// a shell gives it, has no read deadline: a Read on a silent pipe or a
// terminal would hold the scan, and the interrupt, until it returns. So
// it is read by a goroutine of its own through an io.Pipe, which the scan
// closes; that goroutine ends with the process.
func interruptible(r io.Reader) io.Reader {
	f, ok := r.(*os.File)
	if !ok {
		return r
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, f)
		pw.CloseWithError(err)
	}()
	return pr
}
