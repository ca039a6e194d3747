package scanner

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

const (
	defaultMaxTokenSize = 1 << 20
	defaultBatchSize    = 1024
	// readSize is the size of the read buffer, and so of each Read: large
	// enough that a Read costs little per byte (256 KiB measured faster
	// than 64 KiB and 1 MiB, for All and for Batches, which allocates one
	// for each Read; see BENCHMARKS.md).
	readSize = 256 << 10
)

var errTooLong = bufio.ErrTooLong

// Options configure a scan. A nil *Options means the defaults: lines, a
// MaxTokenSize of 1 MiB that fails the scan when exceeded, from the start.
type Options struct {
	// Split splits the input into tokens, as for [bufio.Scanner.Split]:
	// [bufio.ScanWords], [bufio.ScanRunes] or any [bufio.SplitFunc]. Nil
	// means lines, split as [bufio.ScanLines] does (a line ends at "\n",
	// one "\r" before it is dropped, and a last line without "\n" is a
	// line too) by a faster loop of this package.
	Split bufio.SplitFunc

	// MaxTokenSize is the longest token the scan accepts, in bytes, not
	// counting a line's terminator. Zero means 1 MiB. The read buffer
	// grows to it only when a token needs it.
	MaxTokenSize int

	// OnTooLong is called for each token longer than MaxTokenSize. If it
	// returns nil, the token is skipped and the scan goes on; otherwise
	// the scan ends with the error it returns. A nil OnTooLong ends the
	// scan with the *TooLongError.
	//
	// With a custom Split the scanner cannot know where an oversized
	// token ends, so skipping it skips to the end of its line (the next
	// "\n").
	OnTooLong func(*TooLongError) error

	// After is a cursor (see [Token.Cursor]) to resume strictly after. A
	// file, or a reader that is an [io.Seeker], is sought to it; another
	// reader is read and discarded up to it. A cursor that is not one of
	// this package, or past the end of the input, is an error wrapping
	// ErrBadCursor, the only pair of the scan.
	After string

	// CloseOnCancel, for the reader forms, closes the reader when ctx is
	// done if it is an [io.Closer], to interrupt a Read blocked on a
	// reader that has no read deadline (an io.Pipe, an HTTP body).
	CloseOnCancel bool

	// BatchSize is the most tokens a batch of Batches or FileBatches, and
	// of their channel forms, carries. Zero means 1024. (The batches
	// follow the reads: the BatchSize and BatchWait of
	// [sluice.StreamOptions] are for [sluice.StreamBatches] and do not
	// apply.)
	BatchSize int
}

func (o *Options) orDefault() *Options {
	if o == nil {
		return &Options{}
	}
	return o
}

func (o *Options) maxTokenSize() int {
	if o.MaxTokenSize > 0 {
		return o.MaxTokenSize
	}
	return defaultMaxTokenSize
}

func (o *Options) batchSize() int {
	if o.BatchSize > 0 {
		return o.BatchSize
	}
	return defaultBatchSize
}

// check reports options that cannot be honoured.
func (o *Options) check() error {
	switch {
	case o.MaxTokenSize < 0:
		return fmt.Errorf("scanner: Options.MaxTokenSize is %d; want 0 or more", o.MaxTokenSize)
	case o.BatchSize < 0:
		return fmt.Errorf("scanner: Options.BatchSize is %d; want 0 or more", o.BatchSize)
	}
	return nil
}

// A config is the options of a scan, checked, with the cursor decoded:
// what every form checks once, when it is called, before any I/O.
type config struct {
	opts      *Options // not nil
	resume    bool     // opts.After is set
	off, line int64    // the position opts.After holds
}

// newConfig checks opts and decodes opts.After.
func newConfig(opts *Options) (*config, error) {
	c := &config{opts: opts.orDefault()}
	if err := c.opts.check(); err != nil {
		return nil, err
	}
	if c.opts.After != "" {
		off, line, err := decodeCursor(c.opts.After)
		if err != nil {
			return nil, err
		}
		c.resume, c.off, c.line = true, off, line
	}
	return c, nil
}

var errNilReader = errors.New("scanner: nil reader")

// readerConfig is newConfig for a form that scans r.
func readerConfig(r io.Reader, opts *Options) (*config, error) {
	if r == nil {
		return nil, errNilReader
	}
	return newConfig(opts)
}
