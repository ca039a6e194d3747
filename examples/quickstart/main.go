// Quickstart shows the two forms of a sluice stream on a source written in
// a dozen lines: a bufio.Scanner over a text, turned into a cancelable,
// resumable stream.
//
// It ranges the iterator form, then runs the channel form with a slow
// consumer under a deadline, which cuts the stream short and says so, and
// finally resumes after the last line handled: the two runs together hold
// every line once.
//
//	go run ./examples/quickstart
//
// It imports only the standard library and the root package.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
	"time"

	"github.com/sluice-go/sluice"
)

// A Line is one line of the text and its number, which is also its cursor.
type Line struct {
	N    int
	Text string
}

// lines returns an iterator over the lines of the text that open returns,
// after line number after (0: from the start). It honours ctx, and it is
// re-iterable: each range opens the text afresh.
func lines(ctx context.Context, open func() io.Reader, after int) iter.Seq2[Line, error] {
	return func(yield func(Line, error) bool) {
		sc := bufio.NewScanner(open())
		for n := 1; sc.Scan(); n++ {
			if n <= after {
				continue
			}
			if err := ctx.Err(); err != nil {
				yield(Line{}, sluice.ContextError(ctx))
				return
			}
			if !yield(Line{n, sc.Text()}, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			yield(Line{}, err) // bufio.Scanner hides this; a stream must not
		}
	}
}

// text is the source: 40 numbered lines.
func text() io.Reader {
	var b strings.Builder
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "line %d of the text\n", i)
	}
	return strings.NewReader(b.String())
}

// ender prints how a stream ended, as an operator's dashboard would.
type ender struct{ w io.Writer }

func (ender) Sent(sluice.SendEvent) {}
func (e ender) Ended(ev sluice.EndEvent) {
	fmt.Fprintf(e.w, "  stream %q ended: %d lines sent, reason %v\n", ev.Stream, ev.Items, ev.Reason)
}

func main() {
	if err := run(os.Stdout, 20*time.Millisecond); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

// run does the three steps; perLine is how long the slow consumer spends
// on each line.
func run(w io.Writer, perLine time.Duration) error {
	ctx := context.Background()

	fmt.Fprintln(w, "1. The iterator form: range it; an error is always the last pair.")
	total := 0
	for l, err := range lines(ctx, text, 0) {
		if err != nil {
			return err
		}
		if l.N <= 2 {
			fmt.Fprintf(w, "  %d: %s\n", l.N, l.Text)
		}
		total++
	}
	fmt.Fprintf(w, "  … %d lines in all\n", total)

	fmt.Fprintln(w, "2. The channel form, a slow consumer and a deadline: the stream is cut short, and says so.")
	deadline, cancel := context.WithTimeout(ctx, 10*perLine)
	defer cancel()
	ch, stop := sluice.Stream(deadline, lines(deadline, text, 0), &sluice.StreamOptions{
		Name:     "quickstart",
		Observer: ender{w},
	})
	defer stop()
	var first []Line
	for l := range ch {
		time.Sleep(perLine) // the work done on each line
		first = append(first, l)
	}
	err := stop()
	if !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stop() = %v, want the deadline", err)
	}
	cursor := 0
	if len(first) > 0 {
		cursor = first[len(first)-1].N
	}
	fmt.Fprintf(w, "  got %d lines, then: %v\n", len(first), err)
	fmt.Fprintf(w, "  the cursor of the last line handled: %d\n", cursor)

	fmt.Fprintf(w, "3. Resume after line %d.\n", cursor)
	rest := 0
	for l, err := range lines(ctx, text, cursor) {
		if err != nil {
			return err
		}
		if rest == 0 {
			fmt.Fprintf(w, "  resumed at %d: %s\n", l.N, l.Text)
		}
		rest++
	}
	fmt.Fprintf(w, "  %d + %d = %d lines: nothing lost, nothing repeated\n", len(first), rest, len(first)+rest)
	if len(first)+rest != total {
		return fmt.Errorf("%d + %d lines, want %d", len(first), rest, total)
	}
	return nil
}
