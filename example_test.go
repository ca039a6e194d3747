package sluice_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/sluice-go/sluice"
)

// words is a small source for the examples: the words of s, one at a time,
// honouring ctx as every sluice source does.
func words(ctx context.Context, s string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for _, w := range strings.Fields(s) {
			if err := ctx.Err(); err != nil {
				yield("", err)
				return
			}
			if !yield(w, nil) {
				return
			}
		}
	}
}

func ExampleStream() {
	ctx := context.Background()
	ch, stop := sluice.Stream(ctx, words(ctx, "a pull loop as a channel"), nil)
	defer stop()
	var got []string
	for w := range ch {
		got = append(got, w)
	}
	fmt.Println(strings.Join(got, " "))
	fmt.Println("complete:", stop() == nil)
	// Output:
	// a pull loop as a channel
	// complete: true
}

// A consumer that stops early is not an error; a canceled context is.
func ExampleStream_cancel() {
	ctx, cancel := context.WithCancel(context.Background())
	ch, stop := sluice.Stream(ctx, words(ctx, "one two three four"), nil)
	fmt.Println(<-ch)
	cancel() // say, the service is shutting down
	err := stop()
	fmt.Println(err, errors.Is(err, context.Canceled))

	ch, stop = sluice.Stream(context.Background(), words(context.Background(), "one two three four"), nil)
	fmt.Println(<-ch)
	fmt.Println(stop()) // the consumer had enough
	// Output:
	// one
	// context canceled true
	// one
	// <nil>
}

func ExampleFromStream() {
	ctx := context.Background()
	for w, err := range sluice.FromStream(sluice.Stream(ctx, words(ctx, "back to an iterator"), nil)) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(w)
	}
	// Output:
	// back
	// to
	// an
	// iterator
}

func ExampleBatch() {
	ctx := context.Background()
	for batch, err := range sluice.Batch(words(ctx, "a b c d e f g"), 3) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(batch)
	}
	// Output:
	// [a b c]
	// [d e f]
	// [g]
}

func ExampleConcat() {
	ctx := context.Background()
	var got []string
	for w, err := range sluice.Concat(words(ctx, "first part"), words(ctx, "second part")) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		got = append(got, w)
	}
	fmt.Println(strings.Join(got, " "))
	// Output: first part second part
}

func ExampleMerge() {
	ctx := context.Background()
	// Each part is built with the merge's context, so the first failure
	// cancels the others.
	ch, stop := sluice.Merge(ctx, []func(context.Context) iter.Seq2[string, error]{
		func(ctx context.Context) iter.Seq2[string, error] { return words(ctx, "a b c") },
		func(ctx context.Context) iter.Seq2[string, error] { return words(ctx, "x y z") },
	}, nil)
	var got []string
	for w := range ch {
		got = append(got, w)
	}
	if err := stop(); err != nil {
		fmt.Println("error:", err)
	}
	slices.Sort(got) // the order across parts is not defined
	fmt.Println(got)
	// Output: [a b c x y z]
}

func ExampleTee() {
	ctx := context.Background()
	outs, stop := sluice.Tee(ctx, words(ctx, "to both sides"), 2, nil)
	done := make(chan int)
	go func() { // each output is read by its own consumer
		n := 0
		for range outs[1] {
			n++
		}
		done <- n
	}()
	for w := range outs[0] {
		fmt.Println(w)
	}
	fmt.Println("the other side counted", <-done)
	fmt.Println(stop())
	// Output:
	// to
	// both
	// sides
	// the other side counted 3
	// <nil>
}

func ExampleBridge() {
	ctx := context.Background()
	parts := make(chan iter.Seq2[string, error], 2)
	parts <- words(ctx, "pages arrive")
	parts <- words(ctx, "one by one")
	close(parts)
	ch, stop := sluice.Bridge(ctx, parts, nil)
	var got []string
	for w := range ch {
		got = append(got, w)
	}
	fmt.Println(strings.Join(got, " "))
	fmt.Println(stop())
	// Output:
	// pages arrive one by one
	// <nil>
}

// endLogger is an Observer that prints how each stream ended.
type endLogger struct{}

func (endLogger) Sent(sluice.SendEvent) {}
func (endLogger) Ended(e sluice.EndEvent) {
	fmt.Printf("stream %q: %d items, %v\n", e.Stream, e.Items, e.Reason)
}

func ExampleObserver() {
	ctx := context.Background()
	opts := &sluice.StreamOptions{Name: "words", Observer: endLogger{}}

	ch, stop := sluice.Stream(ctx, words(ctx, "a b c"), opts)
	for range ch {
	}
	stop()

	ch, stop = sluice.Stream(ctx, words(ctx, "a b c"), opts)
	<-ch
	stop()
	// Output:
	// stream "words": 3 items, exhausted
	// stream "words": 1 items, stopped
}

// StreamFunc builds the iterator with the stream's own context, so stop
// reaches a source that is blocked inside its underlying API (here, a
// source waiting for a message that never comes).
// StreamBatches sends the values of a source in batches: a consumer of
// many values pays one goroutine hand-off per batch.
func ExampleStreamBatches() {
	numbers := func(ctx context.Context) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			for i := range 10 {
				if !yield(i, nil) {
					return
				}
			}
		}
	}
	// A batch is sent when full, or when its first value has waited
	// BatchWait: an hour here, so that the batches are the same however
	// loaded the machine.
	batches, stop := sluice.StreamBatches(context.Background(), numbers, &sluice.StreamOptions{BatchSize: 4, BatchWait: time.Hour})
	defer stop()
	for batch := range batches {
		fmt.Println(batch)
	}
	if err := stop(); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// [0 1 2 3]
	// [4 5 6 7]
	// [8 9]
}

func ExampleStreamFunc() {
	waitForever := func(ctx context.Context) iter.Seq2[string, error] {
		return func(yield func(string, error) bool) {
			if !yield("hello", nil) {
				return
			}
			<-ctx.Done() // a read that honours ctx and never completes
			yield("", ctx.Err())
		}
	}
	ch, stop := sluice.StreamFunc(context.Background(), waitForever, nil)
	fmt.Println(<-ch)
	fmt.Println(stop()) // returns at once: the source saw the cancellation
	// Output:
	// hello
	// <nil>
}

func ExampleBuffer() {
	ctx := context.Background()
	upstream, upstreamStop := sluice.Stream(ctx, words(ctx, "decoupled by a buffer"), nil)
	ch, stop := sluice.Buffer(ctx, sluice.FromStream(upstream, upstreamStop), 16, nil)
	var got []string
	for w := range ch {
		got = append(got, w)
	}
	fmt.Println(strings.Join(got, " "), cap(ch))
	fmt.Println(stop())
	// Output:
	// decoupled by a buffer 16
	// <nil>
}
