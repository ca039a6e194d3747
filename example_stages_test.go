package sluice_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/sluice-go/sluice"
)

// Map calls a slow function on four values at once, and yields the
// results in the order of the source.
func ExampleMap() {
	ctx := context.Background()
	length := func(ctx context.Context, w string) (string, error) {
		time.Sleep(time.Duration(10-len(w)) * time.Millisecond) // short words take longer
		return fmt.Sprintf("%s=%d", w, len(w)), nil
	}
	for r, err := range sluice.Map(ctx, words(ctx, "a concurrent map keeps its order"), 4, length) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(r)
	}
	// Output:
	// a=1
	// concurrent=10
	// map=3
	// keeps=5
	// its=3
	// order=5
}

// The first call to fail, in the source's order, ends the map with its
// error, after the results before it, as the sequential loop would.
func ExampleMap_error() {
	ctx := context.Background()
	check := func(ctx context.Context, w string) (string, error) {
		if strings.ContainsAny(w, "0123456789") {
			return "", fmt.Errorf("%q is not a word", w)
		}
		return strings.ToUpper(w), nil
	}
	for r, err := range sluice.Map(ctx, words(ctx, "one two 3 four 5"), 3, check) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(r)
	}
	// Output:
	// ONE
	// TWO
	// error: "3" is not a word
}

// MapUnordered yields each result as its call returns.
func ExampleMapUnordered() {
	ctx := context.Background()
	upper := func(ctx context.Context, w string) (string, error) { return strings.ToUpper(w), nil }
	var got []string
	for r, err := range sluice.MapUnordered(ctx, words(ctx, "in no particular order"), 2, upper) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		got = append(got, r)
	}
	slices.Sort(got) // the order is the calls'
	fmt.Println(got)
	// Output:
	// [IN NO ORDER PARTICULAR]
}

// MapStream sends the results on a channel, in order, each as soon as it
// and those before it are done.
func ExampleMapStream() {
	ctx := context.Background()
	length := func(ctx context.Context, w string) (int, error) { return len(w), nil }
	ch, stop := sluice.MapStream(ctx, func(ctx context.Context) iter.Seq2[string, error] {
		return words(ctx, "results on a channel")
	}, 3, length, nil)
	defer stop()
	var got []int
	for n := range ch {
		got = append(got, n)
	}
	fmt.Println(got)
	fmt.Println("complete:", stop() == nil)
	// Output:
	// [7 2 1 7]
	// complete: true
}

// BatchStream groups a stream's values by count or time. Six values
// come at once, a seventh only once the second batch is received: the
// first batch goes out full, the second when its first value has waited
// 10ms with nothing more coming, the last when the stream ends.
func ExampleBatchStream() {
	events := make(chan string, 6)
	for _, e := range []string{"a", "b", "c", "d", "e", "f"} {
		events <- e
	}
	received := make(chan struct{})
	go func() {
		defer close(events)
		<-received
		events <- "g"
	}()
	batches, stop := sluice.BatchStream(context.Background(), events, nil, 4, 10*time.Millisecond, nil)
	defer stop()
	for b := range batches {
		fmt.Println(b)
		if b[0] == "e" {
			close(received)
		}
	}
	fmt.Println("complete:", stop() == nil)
	// Output:
	// [a b c d]
	// [e f]
	// [g]
	// complete: true
}

// Limit paces a stream: with rate.NewLimiter(r, b), b values go at once
// and then r a second. Here 100 a second after a burst of 2, so the five
// values take 30ms.
func ExampleLimit() {
	ctx := context.Background()
	lim := rate.NewLimiter(100, 2)
	for w, err := range sluice.Limit(ctx, words(ctx, "at most r a second"), lim) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(w)
	}
	// Output:
	// at
	// most
	// r
	// a
	// second
}
