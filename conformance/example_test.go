package conformance_test

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/sluice-go/sluice"
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

// lettersFrom is letters from the letter at index from, failing with
// failErr after n letters when n >= 0, as a source whose read fails
// would: the variant of the source that Fail and StreamFail need.
func lettersFrom(ctx context.Context, s string, from, n int, failErr error) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for i, r := range s[from:] {
			if i == n {
				yield("", failErr)
				return
			}
			if err := ctx.Err(); err != nil {
				yield("", err)
				return
			}
			if !yield(string(r), nil) {
				return
			}
		}
		if n >= len(s)-from {
			yield("", failErr)
		}
	}
}

// lettersAfter resumes strictly after a cursor "v1:<index>", and refuses
// any other cursor with an error as its only pair.
func lettersAfter(ctx context.Context, s, cursor string) iter.Seq2[string, error] {
	if cursor == "" {
		return lettersFrom(ctx, s, 0, -1, nil)
	}
	pos, ok := strings.CutPrefix(cursor, "v1:")
	i, err := strconv.Atoi(pos)
	if !ok || err != nil || i < 0 || i >= len(s) {
		return sluice.Fail[string](fmt.Errorf("letters: bad cursor %q", cursor))
	}
	return lettersFrom(ctx, s, i+1, -1, nil)
}

// A Source with its failing channel form (StreamFail) and the cursors its
// After must refuse (BadCursors) filled, as every source should.
func ExampleSource() {
	const abc = "abc"
	err := conformance.Check(conformance.Source[string]{
		All: func(ctx context.Context) iter.Seq2[string, error] { return lettersFrom(ctx, abc, 0, -1, nil) },
		Stream: func(ctx context.Context) (<-chan string, func() error) {
			return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[string, error] {
				return lettersFrom(ctx, abc, 0, -1, nil)
			}, nil)
		},
		Want: []string{"a", "b", "c"},
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[string, error] {
			return lettersFrom(ctx, abc, 0, n, err)
		},
		StreamFail: func(ctx context.Context, n int, err error) (<-chan string, func() error) {
			return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[string, error] {
				return lettersFrom(ctx, abc, 0, n, err)
			}, nil)
		},
		Cursor: func(v string) string { return "v1:" + strconv.Itoa(strings.Index(abc, v)) },
		After:  func(ctx context.Context, c string) iter.Seq2[string, error] { return lettersAfter(ctx, abc, c) },
		BadCursors: []string{
			"1",    // no version
			"v2:1", // another version
			"v1:b", // malformed
			"v1:3", // past the end
		},
	}, nil)
	fmt.Println("correct source:", err)
	// Output:
	// correct source: <nil>
}
