package scanner_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sluice-go/sluice/sources/scanner"
)

func ExampleAll() {
	r := strings.NewReader("first line\r\nsecond line\n\nlast, without newline")
	for tok, err := range scanner.All(context.Background(), r, nil) {
		if err != nil {
			fmt.Println("error:", err) // a read error, or ctx done: never silent
			return
		}
		fmt.Printf("%d@%d %q\n", tok.Line, tok.Offset, tok.Bytes)
	}
	// Output:
	// 1@0 "first line"
	// 2@12 "second line"
	// 3@24 ""
	// 4@25 "last, without newline"
}

func ExampleAll_words() {
	r := strings.NewReader("  pull loops\n become  streams ")
	for tok, err := range scanner.All(context.Background(), r, &scanner.Options{Split: bufio.ScanWords}) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("line %d: %s\n", tok.Line, tok.Bytes)
	}
	// Output:
	// line 1: pull
	// line 1: loops
	// line 2: become
	// line 2: streams
}

// A consumer records the cursor of the last token it has handled, and
// resumes strictly after it.
func ExampleOptions_after() {
	const log = "one\ntwo\nthree\nfour\n"
	var cursor string
	for tok, err := range scanner.All(context.Background(), strings.NewReader(log), nil) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		cursor = tok.Cursor()
		if tok.Text() == "two" {
			break // say, the process stopped here
		}
	}
	for tok, err := range scanner.All(context.Background(), strings.NewReader(log), &scanner.Options{After: cursor}) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(tok.Line, tok.Text())
	}
	// Output:
	// 3 three
	// 4 four
}

// A line longer than MaxTokenSize ends the scan with an error naming its
// offset, unless OnTooLong skips it.
func ExampleOptions_onTooLong() {
	const in = "short\nthis line is far too long\nok\n"
	for _, err := range scanner.All(context.Background(), strings.NewReader(in), &scanner.Options{MaxTokenSize: 10}) {
		if err != nil {
			fmt.Println(err, errors.Is(err, bufio.ErrTooLong))
		}
	}
	skipped := 0
	opts := &scanner.Options{MaxTokenSize: 10, OnTooLong: func(*scanner.TooLongError) error {
		skipped++
		return nil
	}}
	for tok, err := range scanner.All(context.Background(), strings.NewReader(in), opts) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(tok.Line, tok.Text())
	}
	fmt.Println("skipped:", skipped)
	// Output:
	// scanner: token at offset 6 (line 2) longer than 10 bytes true
	// 1 short
	// 3 ok
	// skipped: 1
}

func ExampleBatches() {
	r := strings.NewReader("a\nb\nc\nd\ne\n")
	for batch, err := range scanner.Batches(context.Background(), r, &scanner.Options{BatchSize: 2}) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(len(batch), batch[0].Text()) // safe to keep
	}
	// Output:
	// 2 a
	// 2 c
	// 1 e
}

func ExampleBatchesStream() {
	r := strings.NewReader("a\nb\nc\nd\ne\n")
	batches, stop := scanner.BatchesStream(context.Background(), r, &scanner.Options{BatchSize: 2}, nil)
	defer stop()
	for batch := range batches {
		var texts []string
		for _, tok := range batch { // copies: safe to keep
			texts = append(texts, tok.Text())
		}
		fmt.Println(texts)
	}
	if err := stop(); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// [a b]
	// [c d]
	// [e]
}
