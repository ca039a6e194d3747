package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sluice-go/sluice"
)

const (
	flushSize     = 64 << 10               // bytes buffered before a write to stdout
	flushInterval = 100 * time.Millisecond // the longest a line waits in the buffer
	saveInterval  = 250 * time.Millisecond // the shortest time between two checkpoint saves
)

// A record is one value of a source as sluice prints it.
type record struct {
	fields []field // the JSON object, in order, without the cursor
	text   string  // the line of --format text
	cursor string  // "" for a source without cursors
}

type field struct {
	name  string
	value any
}

// A runner writes the records of one run to stdout and keeps track of
// the cursor of the last line that reached it.
type runner struct {
	e     *env
	name  string // the stream's name: the subcommand
	ident string // the source, for checkpoints; "" when it has no cursors
	flags *commonFlags

	after string // where the run starts
	done  bool   // the checkpoint says the source was read to its end

	ckpt     *checkpointFile
	saved    string // the cursor last saved to ckpt
	lastSave time.Time

	buf     bytes.Buffer
	enc     *json.Encoder
	pending []pendingLine // the lines in buf

	written  string // cursor of the last line that reached stdout
	lines    int64  // values received from the source
	flushed  int64  // lines that reached stdout
	shown    int64  // lines counted by the progress bar
	bar      *progressbar.ProgressBar
	observer sluice.Observer
	metrics  *metricsServer
}

type pendingLine struct {
	end    int // offset in buf just after the line
	cursor string
}

// start prepares a run of the source ident (for instance "walk /abs/dir";
// "" for a source without cursors) named name: it resolves where the run
// starts (--after, else --checkpoint), and starts the progress line and
// the metrics server when asked. The caller must call close.
func start(e *env, fs *flagSet, name, ident string) (*runner, error) {
	r := &runner{e: e, name: name, ident: ident, flags: &fs.common}
	r.enc = json.NewEncoder(&r.buf)
	r.enc.SetEscapeHTML(false)
	if ident == "" {
		if err := fs.noCursor(name + " has no cursor"); err != nil {
			return nil, err
		}
	}
	if path := fs.common.checkpoint; path != "" {
		ck, err := openCheckpoint(path, ident)
		if err != nil {
			return nil, err
		}
		r.ckpt = ck
		r.after, r.done = ck.cursor, ck.done
		r.saved = ck.cursor
	}
	if fs.common.after != "" {
		// An explicit --after wins over the checkpoint, which then
		// records the run from there.
		r.after, r.done = fs.common.after, false
	}
	r.written = r.after
	if fs.common.progress || (isTerminal(e.stderr) && !isTerminal(e.stdout)) {
		r.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("items"),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetRenderBlankState(true),   // starts the clock of the rate
			progressbar.OptionSetSpinnerChangeInterval(0), // no goroutine: drive renders it every flushInterval
		)
	}
	if addr := fs.common.metrics; addr != "" {
		m, err := startMetrics(addr)
		if err != nil {
			return nil, fmt.Errorf("--metrics %s: %w", addr, err)
		}
		r.metrics = m
		r.observer = m.observer
		if r.bar != nil || isAnyPort(addr) {
			fmt.Fprintf(e.stderr, "sluice: serving http://%s/metrics and http://%s/debug/pprof/\n", m.addr, m.addr)
		}
	}
	return r, nil
}

// streamOptions are the options of the source's channel.
func (r *runner) streamOptions() sluice.StreamOptions {
	return sluice.StreamOptions{Name: r.name, Observer: r.observer}
}

// close ends the progress line and stops the metrics server.
func (r *runner) close() {
	if r.bar != nil {
		r.progress()
		_ = r.bar.Exit()
		fmt.Fprintln(r.e.stderr)
	}
	if r.metrics != nil {
		r.metrics.close()
	}
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (r *runner) progress() {
	if r.bar != nil && r.flushed > r.shown {
		_ = r.bar.Add64(r.flushed - r.shown)
		r.shown = r.flushed
	}
}

// write adds rec to the output buffer, and writes the buffer out when it
// is full.
func (r *runner) write(rec record) error {
	if r.flags.format == "text" {
		r.buf.WriteString(rec.text)
		r.buf.WriteByte('\n')
	} else {
		r.buf.WriteByte('{')
		for i, f := range rec.fields {
			if i > 0 {
				r.buf.WriteByte(',')
			}
			r.encode(f.name)
			r.buf.WriteByte(':')
			r.encode(f.value)
		}
		if r.ident != "" {
			if len(rec.fields) > 0 {
				r.buf.WriteByte(',')
			}
			r.buf.WriteString(`"cursor":`)
			r.encode(rec.cursor)
		}
		r.buf.WriteString("}\n")
	}
	r.pending = append(r.pending, pendingLine{end: r.buf.Len(), cursor: rec.cursor})
	r.lines++
	if r.buf.Len() >= flushSize {
		return r.flush()
	}
	return nil
}

// encode appends the JSON of v, without the newline Encoder adds.
func (r *runner) encode(v any) {
	if err := r.enc.Encode(v); err != nil {
		// Only a value of a type JSON cannot represent gets here
		// (jsonValue converts those it knows): print it as text.
		_ = r.enc.Encode(fmt.Sprint(v))
	}
	r.buf.Truncate(r.buf.Len() - 1)
}

// flush writes the buffer to stdout. The cursor of the last line that
// reached stdout, even in a short write, becomes r.written.
func (r *runner) flush() error {
	if r.buf.Len() == 0 {
		return nil
	}
	n, err := r.e.stdout.Write(r.buf.Bytes())
	for _, p := range r.pending {
		if p.end > n {
			break
		}
		r.written = p.cursor
		r.flushed++
	}
	r.buf.Reset()
	r.pending = r.pending[:0]
	if err != nil {
		return &writeError{err}
	}
	if r.ckpt != nil && time.Since(r.lastSave) >= saveInterval {
		return r.save(false)
	}
	return nil
}

// save records r.written in the checkpoint, and whether the source was
// read to its end.
func (r *runner) save(done bool) error {
	if r.ckpt == nil || (r.written == r.saved && !done) {
		return nil
	}
	if err := r.ckpt.save(r.written, done); err != nil {
		return err
	}
	r.saved, r.lastSave = r.written, time.Now()
	return nil
}

// A writeError is the failure of a write to stdout.
type writeError struct{ err error }

func (e *writeError) Error() string { return "writing output: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// drive copies the values of a source's channel to stdout, converted by
// conv, until the channel is closed, --limit is reached or ctx is done
// (a signal), and calls stop. It returns nil for a complete run (or one
// cut by --limit, or by a closed stdout pipe), an *interruptedError, or
// the source's error.
func drive[V any](ctx context.Context, r *runner, ch <-chan V, stop func() error, conv func(V) record) error {
	defer stop()
	tick := time.NewTicker(flushInterval)
	defer tick.Stop()
	limited := false
	var werr error
loop:
	for ctx.Err() == nil {
		select {
		case v, ok := <-ch:
			if !ok {
				break loop
			}
			if werr = r.write(conv(v)); werr != nil {
				break loop
			}
			if r.flags.limit > 0 && r.lines >= int64(r.flags.limit) {
				limited = true
				break loop
			}
		case <-tick.C:
			if werr = r.flush(); werr != nil {
				break loop
			}
			r.progress()
		case <-ctx.Done():
		}
	}
	err := stop()
	if werr == nil {
		werr = r.flush()
	}
	interrupted := ctx.Err() != nil
	switch {
	case werr != nil:
		if serr := r.save(false); serr != nil {
			return serr
		}
		if errors.Is(werr, syscall.EPIPE) {
			return nil // the reader has gone, as with head: end quietly
		}
		return werr
	case interrupted:
		if serr := r.save(false); serr != nil {
			return serr
		}
		return &interruptedError{cursor: r.written, cursors: r.ident != ""}
	case limited:
		return r.save(false)
	case err != nil:
		if serr := r.save(false); serr != nil {
			return errors.Join(err, serr)
		}
		if r.ident != "" && r.flushed > 0 {
			return fmt.Errorf("%w (resume with --after %s)", err, shellQuote(r.written))
		}
		return err
	}
	return r.save(true)
}
