package main

import (
	"context"
	"io"
	"os"
	"path/filepath"

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

where offset is the byte offset of the line's start. Bytes that are not
UTF-8 are printed as U+FFFD in JSON. A line longer than 1 MiB ends the run
with an error. The text format prints the text.

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
	opts := &scanner.Options{After: r.after, StreamOptions: r.streamOptions(), CloseOnCancel: true}
	var ch <-chan scanner.Token
	var stop func() error
	if file == "-" {
		ch, stop = scanner.Stream(ctx, interruptible(e.stdin), opts)
	} else {
		ch, stop = scanner.FileStream(ctx, file, opts)
	}
	return drive(ctx, r, ch, stop, linesRecord)
}

func linesRecord(t scanner.Token) record {
	text := t.Text()
	return record{
		fields: []field{{"line", t.Line}, {"offset", t.Offset}, {"text", text}},
		text:   text,
		cursor: t.Cursor(),
	}
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
