package s3list

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCuts checks the cuts of ranges over keys of several formats: in
// order, strictly between the range's position and its bound, under the
// prefix, UTF-8; and for evenly spread keys, the first cut one page past
// the position, give or take a fifth.
func TestCuts(t *testing.T) {
	formats := map[string]func(i int) string{
		"decimal": func(i int) string { return fmt.Sprintf("logs/k%07d", i) },
		"hex":     func(i int) string { return fmt.Sprintf("logs/%08x", uint32(i)*2654435761) },
		"nested":  func(i int) string { return fmt.Sprintf("logs/p%02d/d%02d/f%03d", i/6250, i/250%25, i%250) },
		"unicode": func(i int) string { return fmt.Sprintf("logs/é%05d/ü", i) },
	}
	for name, key := range formats {
		t.Run(name, func(t *testing.T) {
			var ks []string
			for i := range 100_000 {
				ks = append(ks, key(i))
			}
			slices.Sort(ks)
			for _, bounded := range []bool{false, true} {
				s := sample{
					cur: ks[1999], first: ks[1000], last: ks[1999], n: 1000, pageSize: 1000,
					prefix: "logs/", maxCutsWanted: 6, bounded: bounded, hi: ks[90_000],
				}
				cuts := s.cuts()
				if len(cuts) == 0 {
					t.Fatalf("bounded=%v: no cuts", bounded)
				}
				prev := s.cur
				for _, c := range cuts {
					if c <= prev || !strings.HasPrefix(c, "logs/") || !utf8.ValidString(c) || (bounded && c >= s.hi) {
						t.Errorf("bounded=%v: cut %q after %q: not in order, under the prefix, below hi %q and UTF-8", bounded, c, prev, s.hi)
					}
					prev = c
				}
				if name == "decimal" || name == "hex" {
					// Keys up to the first cut: about one page.
					n := 0
					for _, k := range ks[2000:] {
						if k > cuts[0] {
							break
						}
						n++
					}
					if n < 800 || n > 1200 {
						t.Errorf("bounded=%v: %d keys between the position and the first cut %q, want about 1000", bounded, n, cuts[0])
					}
				}
				left := s.keysLeft(1 << 30)
				t.Logf("bounded=%v: cuts %q; keys left estimated %d (88000)", bounded, cuts, left)
			}
		})
	}
}
