package scanner

import (
	"bufio"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestLongLineDefault(t *testing.T) {
	// bufio.Scanner fails on a line over 64 KiB; the default takes 1 MiB.
	long := strings.Repeat("x", 100<<10)
	got, err := collect(All(context.Background(), strings.NewReader("a\n"+long+"\nb"), nil))
	if err != nil || len(got) != 3 || got[1].Text() != long {
		t.Fatalf("a 100 KiB line: %d tokens, %v", len(got), err)
	}
	huge := strings.Repeat("y", 1<<20+1)
	got, err = collect(All(context.Background(), strings.NewReader("a\n"+huge+"\nb"), nil))
	var tl *TooLongError
	if len(got) != 1 || !errors.As(err, &tl) || !errors.Is(err, bufio.ErrTooLong) || tl.Offset != 2 || tl.Line != 2 || tl.Max != 1<<20 {
		t.Fatalf("a line over 1 MiB: %d tokens, %v", len(got), err)
	}
	if want := "scanner: token at offset 2 (line 2) longer than 1048576 bytes"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

// TestLongLineLimits checks the edges of MaxTokenSize, with either policy
// and any read size: a line of max bytes passes, with "\n" or "\r\n" or at
// the end; one more byte is too long.
func TestLongLineLimits(t *testing.T) {
	const max = 8
	ok := strings.Repeat("o", max)
	bad := strings.Repeat("B", max+1)
	in := ok + "\n" + bad + "\n" + ok + "\r\n" + bad + "\r\n" + "short\n" + bad + "\rX\n" + bad
	wantKept := []string{ok, ok, "short"}
	wantSkipped := []int64{2, 4, 6, 7} // the lines of the bad ones
	for _, sizes := range chunkings {
		var skipped []int64
		opts := &Options{MaxTokenSize: max, OnTooLong: func(e *TooLongError) error {
			if e.Max != max {
				t.Errorf("Max = %d", e.Max)
			}
			skipped = append(skipped, e.Line)
			return nil
		}}
		got, err := collect(All(context.Background(), &chunkReader{data: []byte(in), sizes: sizes}, opts))
		var texts []string
		for _, tok := range got {
			texts = append(texts, tok.Text())
		}
		if err != nil || strings.Join(texts, ",") != strings.Join(wantKept, ",") || len(skipped) != len(wantSkipped) {
			t.Fatalf("chunks %v, skipping: %q, %v, skipped lines %v", sizes, texts, err, skipped)
		}
		for i, l := range wantSkipped {
			if skipped[i] != l {
				t.Errorf("chunks %v: skipped lines %v, want %v", sizes, skipped, wantSkipped)
			}
		}
		// Kept lines keep their true line numbers and offsets.
		if got[1].Line != 3 || got[2].Line != 5 || got[1].Offset != int64(len(ok)+len(bad)+2) {
			t.Errorf("chunks %v: lines %d, %d at %d", sizes, got[1].Line, got[2].Line, got[1].Offset)
		}

		// Failing, the default: one line, then the error at the second.
		got, err = collect(All(context.Background(), &chunkReader{data: []byte(in), sizes: sizes}, &Options{MaxTokenSize: max}))
		var tl *TooLongError
		if len(got) != 1 || !errors.As(err, &tl) || tl.Offset != max+1 || tl.Line != 2 {
			t.Errorf("chunks %v, failing: %d tokens, %v", sizes, len(got), err)
		}
	}
}

func TestLongLineCallbackError(t *testing.T) {
	stop := errors.New("enough")
	opts := &Options{MaxTokenSize: 2, OnTooLong: func(*TooLongError) error { return stop }}
	got, err := collect(All(context.Background(), strings.NewReader("ab\nabc\nab\n"), opts))
	if len(got) != 1 || err != stop {
		t.Errorf("%d tokens, %v; want 1 and the callback's error", len(got), err)
	}
}

// TestLongWord checks a custom split: an oversized token is skipped to the
// end of its line.
func TestLongWord(t *testing.T) {
	n := 0
	opts := &Options{Split: bufio.ScanWords, MaxTokenSize: 4, OnTooLong: func(*TooLongError) error { n++; return nil }}
	for _, sizes := range chunkings {
		n = 0
		got, err := collect(All(context.Background(), &chunkReader{data: []byte("one two\nthree four\nfive six"), sizes: sizes}, opts))
		var texts []string
		for _, tok := range got {
			texts = append(texts, tok.Text())
		}
		if err != nil || strings.Join(texts, " ") != "one two five six" || n != 1 {
			t.Errorf("chunks %v: %q, %v, %d skipped", sizes, texts, err, n)
		}
		if len(got) == 4 && got[2].Line != 3 {
			t.Errorf("chunks %v: five on line %d, want 3", sizes, got[2].Line)
		}
	}
}
