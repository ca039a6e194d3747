package s3list

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestBefore checks the StartAfter of a range that starts at k: for every
// key x without U+10FFFF, x < k exactly when x <= before(k), so that the
// range's first request lists k and drops nothing else but keys before
// k; and before(k) is UTF-8, as a request's StartAfter must be. Likewise
// every key greater than k is at or after successor(k).
func TestBefore(t *testing.T) {
	runes := []rune{0, 1, 'a', 'b', '/', 0x7f, 0x80, 'é', 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFE}
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(4) {
			b.WriteRune(runes[rng.IntN(len(runes))])
		}
		return b.String()
	}
	for range 3000 {
		k, x := str(), str()
		b := before(k)
		if !utf8.ValidString(b) || b >= k {
			t.Fatalf("before(%q) = %q: want a UTF-8 string below it", k, b)
		}
		if (x < k) != (x <= b) {
			t.Fatalf("key %q, k %q, before(k) %q: x < k is %v, x <= before(k) is %v", x, k, b, x < k, x <= b)
		}
		if s := successor(k); (x > k) != (x >= s) {
			t.Fatalf("key %q, k %q, successor(k) %q: x > k is %v, x >= successor(k) is %v", x, k, s, x > k, x >= s)
		}
	}
}
