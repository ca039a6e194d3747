package sqlrows

import (
	"errors"
	"strings"
	"testing"
)

// FuzzCursor checks that decoding any string either fails with an error
// wrapping ErrBadCursor, worded as every source words it, or gives texts
// that encode back to the same cursor: no panic, and one cursor per key.
func FuzzCursor(f *testing.F) {
	for _, texts := range [][]string{{"42"}, {"", "a,b"}, {"2026-11-27 03:00:00.000001+00", "0.1", "\\x00ff"}} {
		f.Add(cursorOf(texts), len(texts))
	}
	f.Add("v1:", 1)
	f.Add("v1:gAA", 1) // a length of 0 in two bytes
	f.Add("v2:AjQy", 1)
	f.Add("v1:AjQ\n", 1)
	f.Fuzz(func(t *testing.T, c string, n int) {
		if n < 0 || n > 16 {
			return
		}
		texts, err := decodeCursor(c, n)
		if err != nil {
			if !errors.Is(err, ErrBadCursor) || !strings.HasPrefix(err.Error(), `sqlrows: bad cursor "`) {
				t.Fatalf("decodeCursor(%q, %d) = %v, want ErrBadCursor, as `sqlrows: bad cursor \"<c>\": <why>`", c, n, err)
			}
			return
		}
		if len(texts) != n {
			t.Fatalf("decodeCursor(%q, %d) gave %d texts", c, n, len(texts))
		}
		if back := cursorOf(texts); back != c {
			t.Fatalf("decodeCursor(%q) = %q, which encodes as %q", c, texts, back)
		}
	})
}
