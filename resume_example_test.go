package sluice_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/sluice-go/sluice"
)

// A line is a value of a resumable source: its cursor is its number.
type line struct {
	n    int
	text string
}

func (l line) Cursor() string { return strconv.Itoa(l.n) }

var errReset = errors.New("connection reset by peer")

// flakyLines is the resumable constructor of a source of lines that
// fails once before each line named in resets, as a server dropping
// connections does: it opens the source strictly after the cursor after.
func flakyLines(texts []string, resets map[int]bool) func(context.Context, string) iter.Seq2[line, error] {
	return func(ctx context.Context, after string) iter.Seq2[line, error] {
		return func(yield func(line, error) bool) {
			start := 0
			if after != "" {
				n, err := strconv.Atoi(after)
				if err != nil {
					yield(line{}, fmt.Errorf("bad cursor %q", after))
					return
				}
				start = n + 1
			}
			for i := start; i < len(texts); i++ {
				if resets[i] {
					delete(resets, i)
					yield(line{}, errReset)
					return
				}
				if err := ctx.Err(); err != nil {
					yield(line{}, err)
					return
				}
				if !yield(line{i, texts[i]}, nil) {
					return
				}
			}
		}
	}
}

// The source fails twice on the way; Resume reopens it after the last
// line delivered each time, so every line comes once, in order.
func ExampleResume() {
	ctx := context.Background()
	open := flakyLines([]string{"alpha", "bravo", "charlie", "delta", "echo"}, map[int]bool{2: true, 4: true})
	opts := &sluice.ResumeOptions{
		Transient:    func(err error) bool { return errors.Is(err, errReset) },
		InitialDelay: time.Millisecond,
		OnRetry: func(e sluice.RetryEvent) {
			fmt.Printf("attempt %d failed (%v); reopening after %q\n", e.Attempt, e.Err, e.Cursor)
		},
	}
	for l, err := range sluice.Resume(ctx, open, line.Cursor, opts) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(l.text)
	}
	// Output:
	// alpha
	// bravo
	// attempt 1 failed (connection reset by peer); reopening after "1"
	// charlie
	// delta
	// attempt 1 failed (connection reset by peer); reopening after "3"
	// echo
}

// A failure that is not transient ends the stream at once, with a
// *ResumeError that says where it stood: a later run that starts after
// its Cursor misses nothing.
func ExampleResumeStream() {
	ctx := context.Background()
	open := flakyLines([]string{"alpha", "bravo", "charlie"}, map[int]bool{1: true})
	opts := &sluice.ResumeOptions{Transient: func(error) bool { return false }}
	ch, stop := sluice.ResumeStream(ctx, open, line.Cursor, opts, nil)
	defer stop()
	for l := range ch {
		fmt.Println(l.text)
	}
	err := stop()
	fmt.Println(err)
	var re *sluice.ResumeError
	if errors.As(err, &re) {
		fmt.Printf("resume after %q; the cause is a reset: %v\n", re.Cursor, errors.Is(err, errReset))
	}
	// Output:
	// alpha
	// sluice: source gave up after 1 attempt (not transient): connection reset by peer
	// resume after "0"; the cause is a reset: true
}
