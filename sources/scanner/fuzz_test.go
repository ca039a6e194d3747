package scanner

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzLines checks the line split against the reference over random
// content and read sizes, with and without skipping long lines, and that
// a run resumed after any token's cursor continues the full run exactly.
func FuzzLines(f *testing.F) {
	for _, in := range splitCases {
		f.Add([]byte(in), []byte{1, 2, 3}, uint16(1), uint8(0))
	}
	f.Add([]byte("a\r\nbb\r\n\r\nccc\nlong line here\r\nx"), []byte{5, 0, 1}, uint16(3), uint8(4))
	f.Add([]byte("\n\n\n\n\n"), []byte{}, uint16(2), uint8(1))
	f.Fuzz(fuzzOne)
}

func fuzzOne(t *testing.T, data, chunks []byte, at uint16, max uint8) {
	{
		sizes := make([]int, len(chunks))
		for i, c := range chunks {
			sizes[i] = int(c) // a zero is a Read of nothing
		}
		want := ref(data, nil)
		var opts *Options
		if max > 0 {
			// Skip lines over max: the reference without them.
			opts = &Options{MaxTokenSize: int(max), OnTooLong: func(*TooLongError) error { return nil }}
			var kept []Token
			for _, tok := range want {
				if len(tok.Bytes) <= int(max) {
					kept = append(kept, tok)
				}
			}
			want = kept
		}
		full, err := collect(All(context.Background(), &chunkReader{data: data, sizes: sizes}, opts))
		if err != nil {
			t.Fatalf("full run: %v", err)
		}
		if !equalBatches(full, want) {
			t.Fatalf("full run differs from the reference:\n got %v\nwant %v", full, want)
		}
		if len(full) == 0 {
			return
		}
		k := int(at) % len(full)
		resumed := &Options{After: full[k].Cursor()}
		if opts != nil {
			resumed.MaxTokenSize, resumed.OnTooLong = opts.MaxTokenSize, opts.OnTooLong
		}
		var r io.Reader = strings.NewReader(string(data)) // sought
		if at%2 == 1 {
			r = noSeek{&chunkReader{data: data, sizes: sizes}} // read up to the cursor
		}
		rest, err := collect(All(context.Background(), r, resumed))
		if err != nil {
			t.Fatalf("resumed after %q: %v", resumed.After, err)
		}
		if got := append(full[:k+1:k+1], rest...); !equalBatches(got, full) {
			t.Fatalf("resumed after token %d, %q:\n got %v\nwant %v", k, resumed.After, got, full)
		}
	}
}

// FuzzCursor checks that a cursor decodes only from its canonical form,
// and that a scan given any After, of a reader that seeks or one read up
// to the cursor, either resumes exactly or fails with ErrBadCursor alone,
// without panicking or reading from the start, and fails for a cursor
// past the end of the input.
func FuzzCursor(f *testing.F) {
	for _, c := range []string{
		"v1:0:1", "v1:2:2", "v1:6:3", "v1:10:4", "v1:11:4", "v1:2:1", "", ":", "v1:", "v1:1:0", "v1:01:1",
		"v1:-1:1", "v1:1:1:1", "v1:9223372036854775807:1", "v1:9223372036854775808:1", "v1:+1:1",
		"v2:0:1", "2:2", "V1:0:1",
	} {
		f.Add(c)
	}
	const in = "a\nbb\r\nccc\n"
	full := ref([]byte(in), nil)
	f.Fuzz(func(t *testing.T, c string) {
		off, line, err := decodeCursor(c)
		if err == nil && encodeCursor(off, line) != c {
			t.Fatalf("decodeCursor(%q) = %d, %d: not canonical", c, off, line)
		}
		if err != nil && !errors.Is(err, ErrBadCursor) {
			t.Fatalf("decodeCursor(%q) = %v, want ErrBadCursor", c, err)
		}
		if c == "" {
			return // no After: a full run
		}
		for _, r := range []io.Reader{strings.NewReader(in), noSeek{strings.NewReader(in)}} {
			got, err := collect(All(context.Background(), r, &Options{After: c}))
			switch {
			case err != nil && !errors.Is(err, ErrBadCursor):
				t.Fatalf("After %q: %v", c, err)
			case err != nil && len(got) > 0:
				t.Fatalf("After %q: tokens before the error", c)
			case err == nil && off > int64(len(in)):
				t.Fatalf("After %q: no error for an offset past the end of %d bytes", c, len(in))
			case err == nil && len(got) > 0 && got[0].Offset < off:
				t.Fatalf("After %q: a token at %d, before the cursor", c, got[0].Offset)
			case err == nil:
				// A cursor of a real token resumes exactly after it.
				for i, tok := range full {
					if tok.Cursor() == c && !equalBatches(got, full[i+1:]) {
						t.Fatalf("After %q: %v, want %v", c, got, full[i+1:])
					}
				}
			}
		}
	})
}
