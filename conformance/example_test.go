package conformance_test

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/sluice-go/sluice/conformance"
)

// letters is a source that keeps the contract: it checks ctx before each
// value and reports a cancellation as an error.
func letters(ctx context.Context, s string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for _, r := range s {
			if err := ctx.Err(); err != nil {
				yield("", err)
				return
			}
			if !yield(string(r), nil) {
				return
			}
		}
	}
}

// lettersIgnoringCtx is the same source with the commonest bug: it never
// looks at ctx, so a canceled stream ends as if it were complete.
func lettersIgnoringCtx(_ context.Context, s string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for _, r := range s {
			if !yield(string(r), nil) {
				return
			}
		}
	}
}

func ExampleCheck() {
	err := conformance.Check(conformance.Source[string]{
		All:  func(ctx context.Context) iter.Seq2[string, error] { return letters(ctx, "abc") },
		Want: []string{"a", "b", "c"},
	}, nil)
	fmt.Println("correct source:", err)

	err = conformance.Check(conformance.Source[string]{
		All:  func(ctx context.Context) iter.Seq2[string, error] { return lettersIgnoringCtx(ctx, "abc") },
		Want: []string{"a", "b", "c"},
	}, nil)
	first, _, _ := strings.Cut(err.Error(), "\n")
	fmt.Println("broken source:", first)
	// Output:
	// correct source: <nil>
	// broken source: CancelBefore: after ctx was done the source ended with no error after 3 values: a truncated stream looks complete (want an error matching context canceled)
}
