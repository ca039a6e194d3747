package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errHelp is returned by a subcommand asked for -h: its usage goes to
// stdout and the exit code is 0.
var errHelp = flag.ErrHelp

// commonFlags are the flags every subcommand has.
type commonFlags struct {
	after      string
	checkpoint string
	limit      int
	format     string
	progress   bool
	metrics    string
}

// A flagSet is a subcommand's flags: its own and the common ones.
type flagSet struct {
	*flag.FlagSet
	cmd      string // "walk", "s3 ls"
	synopsis string
	about    string
	common   commonFlags
}

func newFlagSet(cmd, synopsis, about string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(cmd, flag.ContinueOnError), cmd: cmd, synopsis: synopsis, about: about}
	fs.SetOutput(io.Discard) // errors are reported in one line by run
	fs.Usage = func() {}
	c := &fs.common
	fs.StringVar(&c.after, "after", "", "resume strictly after `CURSOR` (the \"cursor\" of an output line)")
	fs.StringVar(&c.checkpoint, "checkpoint", "", "record the cursor of the last line written in `FILE`, and resume from it")
	fs.IntVar(&c.limit, "limit", 0, "stop after `N` values (0: no limit)")
	fs.StringVar(&c.format, "format", "json", "output `format`: json (NDJSON) or text")
	fs.BoolVar(&c.progress, "progress", false, "show a progress line on stderr even when it is not a terminal")
	fs.StringVar(&c.metrics, "metrics", "", "serve /metrics and /debug/pprof/ on `ADDR` (host:port, \":0\" for any port) during the run")
	return fs
}

// parse parses args, flags and positional arguments in any order: a
// flag may follow the positional arguments ("walk DIR --limit 5"), and
// everything after "--" is positional.
func (fs *flagSet) parse(args []string) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		if err != nil {
			return nil, usageErrorf(fs.cmd, "%v", err)
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), fs.check()
		}
		if len(rest) == 0 {
			return pos, fs.check()
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func (fs *flagSet) check() error {
	c := &fs.common
	switch c.format {
	case "json", "text":
	default:
		return usageErrorf(fs.cmd, "--format %q: want json or text", c.format)
	}
	if c.limit < 0 {
		return usageErrorf(fs.cmd, "--limit %d: want 0 or more", c.limit)
	}
	return nil
}

// noCursor rejects --after and --checkpoint for a source without cursors.
func (fs *flagSet) noCursor(why string) error {
	switch {
	case fs.common.after != "":
		return usageErrorf(fs.cmd, "--after does not apply: %s", why)
	case fs.common.checkpoint != "":
		return usageErrorf(fs.cmd, "--checkpoint does not apply: %s", why)
	}
	return nil
}

func (fs *flagSet) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: sluice %s\n\n%s\n\nFlags:\n", fs.synopsis, strings.TrimSpace(fs.about))
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}
