package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1   // the source failed, or could not be opened
	exitUsage       = 2   // bad command line
	exitInterrupted = 130 // SIGINT or SIGTERM
)

// env is what a subcommand runs with: the process's standard streams.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// A command is a subcommand of sluice.
type command struct {
	name     string
	synopsis string // "walk [flags] DIR"
	summary  string // one line for the list of commands
	run      func(ctx context.Context, e *env, args []string) error
	// flags returns the subcommand's flag set, for its help.
	flags func(e *env) *flagSet
}

var commands []*command

func init() {
	commands = []*command{walkCommand, linesCommand, s3Command, sqlCommand, watchCommand}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run runs sluice with args (without the program name) and returns the
// exit code. ctx is canceled by SIGINT and SIGTERM.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch name := args[0]; name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && name == "help" {
			c := lookup(args[1])
			if c == nil {
				return report(e, &usageError{msg: fmt.Sprintf("unknown command %q (see sluice help)", args[1])})
			}
			c.flags(e).usage(stdout)
			return exitOK
		}
		usage(stdout)
		return exitOK
	default:
		c := lookup(name)
		if c == nil {
			return report(e, &usageError{msg: fmt.Sprintf("unknown command %q (see sluice help)", name)})
		}
		err := c.run(ctx, e, args[1:])
		if errors.Is(err, errHelp) {
			c.flags(e).usage(stdout)
			return exitOK
		}
		return report(e, err)
	}
}

// report prints err, if any, as one line on stderr and returns the exit
// code it calls for.
func report(e *env, err error) int {
	if err == nil {
		return exitOK
	}
	var ie *interruptedError
	if errors.As(err, &ie) {
		fmt.Fprintln(e.stderr, "sluice: "+oneLine(ie.Error()))
		return exitInterrupted
	}
	fmt.Fprintln(e.stderr, "sluice: "+oneLine(err.Error()))
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}

// oneLine folds a multi-line error message (pgx lists each address it
// tried on a line of its own) into one line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var b strings.Builder
	for l := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		if b.Len() > 0 {
			if strings.HasSuffix(b.String(), ":") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// A usageError is a bad command line: exit code 2.
type usageError struct {
	cmd string // the subcommand, or ""
	msg string
}

func (e *usageError) Error() string {
	if e.cmd == "" {
		return e.msg
	}
	return fmt.Sprintf("%s: %s (see sluice help %s)", e.cmd, e.msg, e.cmd)
}

func usageErrorf(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// An interruptedError ends a run stopped by a signal: exit code 130.
type interruptedError struct {
	cursor  string // where to resume, or ""
	cursors bool   // whether the source has cursors at all
}

func (e *interruptedError) Error() string {
	switch {
	case !e.cursors:
		return "interrupted"
	case e.cursor == "":
		return "interrupted before the first value was written; run again from the start"
	default:
		return "interrupted; resume with --after " + shellQuote(e.cursor)
	}
}

// shellQuote quotes s for a POSIX shell, in single quotes.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func usage(w io.Writer) {
	fmt.Fprint(w, `sluice streams a source as NDJSON, one value per line with its cursor,
resumable with --after or --checkpoint and canceled cleanly by Ctrl-C.
A string that is not valid UTF-8 (a Latin-1 file name or line), which JSON
cannot hold, is printed as {"bytes":"<base64>"} in its place: nothing is
lost. --format text prints plain lines, with the bytes as they are.

Usage:

	sluice COMMAND [flags] ARGS...

Commands:

`)
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "sluice help COMMAND" for a command's flags and output. Try:

	sluice s3 ls --demo
	sluice walk .
`)
}
