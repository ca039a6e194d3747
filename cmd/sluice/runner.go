package main

import (
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sluice-go/sluice"
)

// A runner is the state of one run that does not depend on the type of
// the source's values: where it starts, the checkpoint, the progress line
// and the metrics server.
type runner struct {
	e     *env
	name  string // the stream's name: the subcommand
	ident string // the source, for checkpoints; "" when it has no cursors
	flags *commonFlags

	after string // where the run starts
	done  bool   // the checkpoint says the source was read to its end

	ckpt     *checkpointFile
	savedAt  int64 // r.flushed at the last save
	lastSave time.Time

	lines   int64 // values received from the source
	flushed int64 // lines that reached stdout

	// The progress line. With a total (the bytes of a file, the rows a
	// query plan expects), it shows the fraction done, in the unit of
	// total, and the time left; without, the lines written and their
	// rate.
	bar   *progressbar.ProgressBar
	total int64 // 0: unknown
	bytes bool  // total is in bytes
	start int64 // pos of the first line written
	pos   int64 // how far the source has come, in the unit of total
	shown int64 // what the bar shows

	observer sluice.Observer
	metrics  *metricsServer
}

// start prepares a run of the source ident (for instance "walk /abs/dir";
// "" for a source without cursors) named name: it resolves where the run
// starts (--after, else --checkpoint), and starts the metrics server when
// asked. The caller must call close, and may call showProgress once it
// knows the source's size.
func start(e *env, fs *flagSet, name, ident string) (*runner, error) {
	r := &runner{e: e, name: name, ident: ident, flags: &fs.common}
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
	}
	if fs.common.after != "" {
		// An explicit --after wins over the checkpoint, which then
		// records the run from there.
		r.after, r.done = fs.common.after, false
	}
	if addr := fs.common.metrics; addr != "" {
		m, err := startMetrics(addr)
		if err != nil {
			return nil, fmt.Errorf("--metrics %s: %w", addr, err)
		}
		r.metrics = m
		r.observer = m.observer
		if r.wantsProgress() || isAnyPort(addr) {
			fmt.Fprintf(e.stderr, "sluice: serving http://%s/metrics and http://%s/debug/pprof/\n", m.addr, m.addr)
		}
	}
	return r, nil
}

// streamOptions are the options of the source's channel.
func (r *runner) streamOptions() *sluice.StreamOptions {
	return &sluice.StreamOptions{Name: r.name, Observer: r.observer}
}

// wantsProgress reports whether the run shows a progress line: with
// --progress, or when stderr is a terminal and stdout is not.
func (r *runner) wantsProgress() bool {
	return r.flags.progress || (isTerminal(r.e.stderr) && !isTerminal(r.e.stdout))
}

// showProgress starts the progress line, if the run wants one. total is
// the size of the source in the unit of the printer's pos (bytes, when
// bytes is set), or 0 when unknown. With a total, the line shows the
// fraction done and the time left, as pv and rsync do, from where the run
// starts (the first line written: --after may start it far in); without,
// the lines written and their rate.
func (r *runner) showProgress(total int64, bytes bool) {
	if !r.wantsProgress() {
		return
	}
	r.total, r.bytes = total, bytes
	if total == 0 {
		r.bar = progressbar.NewOptions64(-1, append(r.barOptions(),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("items"),
			progressbar.OptionSetElapsedTime(true),
		)...)
	}
}

func (r *runner) barOptions() []progressbar.Option {
	return []progressbar.Option{
		progressbar.OptionSetWriter(r.e.stderr),
		progressbar.OptionSetDescription(r.name),
		progressbar.OptionSetRenderBlankState(true),   // starts the clock of the rate
		progressbar.OptionSetSpinnerChangeInterval(0), // no goroutine: drive renders it every flushInterval
		progressbar.OptionThrottle(0),                 // drive renders it only every flushInterval anyway
	}
}

// started tells the progress line where the source starts: the pos of
// the first line written.
func (r *runner) started(pos int64) {
	if r.total == 0 || r.bar != nil || !r.wantsProgress() {
		return
	}
	if pos >= r.total {
		r.total = pos + 1 // the file grew
	}
	r.start, r.shown = pos, pos
	opts := append(r.barOptions(), progressbar.OptionSetPredictTime(true), progressbar.OptionShowCount())
	if r.bytes {
		opts = append(opts, progressbar.OptionShowBytes(true))
	} else {
		opts = append(opts, progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"))
	}
	r.bar = progressbar.NewOptions64(r.total-r.start, opts...)
}

// ended tells the progress line that the source was read to its end:
// what it read is its size, whatever the estimate said.
func (r *runner) ended() {
	if r.bar != nil && r.total > 0 && r.pos != r.total {
		r.total = r.pos
		r.bar.ChangeMax64(max(r.total-r.start, 1))
	}
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

// progress brings the progress line up to date.
func (r *runner) progress() {
	if r.bar == nil {
		return
	}
	if r.total == 0 {
		if r.flushed > r.shown {
			_ = r.bar.Add64(r.flushed - r.shown)
			r.shown = r.flushed
		}
		return
	}
	if r.pos > r.shown {
		if r.pos > r.total {
			// More than the estimate: the bar shows the count.
			r.total = r.pos
			r.bar.ChangeMax64(r.total - r.start)
		}
		_ = r.bar.Add64(r.pos - r.shown)
		r.shown = r.pos
	}
}
