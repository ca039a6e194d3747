package conformance

import (
	"fmt"
	"strings"
)

// diff compares got with want in order and describes the first difference,
// or returns "" when they are equal.
func (su *suite[V]) diff(got, want []V) string {
	for i := 0; i < min(len(got), len(want)); i++ {
		if !su.equal(got[i], want[i]) {
			return fmt.Sprintf("value %d = %v, want %v (got %d values, want %d)", i, short(got[i]), short(want[i]), len(got), len(want))
		}
	}
	switch {
	case len(got) < len(want):
		return fmt.Sprintf("got %d values, want %d: missing %s", len(got), len(want), list(want[len(got):]))
	case len(got) > len(want):
		return fmt.Sprintf("got %d values, want %d: extra %s", len(got), len(want), list(got[len(want):]))
	}
	return ""
}

// diffUnordered compares got with want as multisets.
func (su *suite[V]) diffUnordered(got, want []V) string {
	rest, extra := su.unmatched(got, want)
	if len(rest) == 0 && len(extra) == 0 {
		return ""
	}
	var parts []string
	if len(rest) > 0 {
		parts = append(parts, "missing "+list(rest))
	}
	if len(extra) > 0 {
		parts = append(parts, "unexpected "+list(extra))
	}
	return fmt.Sprintf("got %d values, want %d (as a multiset): %s", len(got), len(want), strings.Join(parts, "; "))
}

// diffWithin describes the values of got that want does not hold, as
// multisets (a value got holds more times than want counts as extra), or
// returns "" when there are none: got is a part of want, in any order.
func (su *suite[V]) diffWithin(got, want []V) string {
	if _, extra := su.unmatched(got, want); len(extra) > 0 {
		return fmt.Sprintf("%d of the %d values are not among Want's (or come more often than in Want): unexpected %s", len(extra), len(got), list(extra))
	}
	return ""
}

// unmatched matches the values of got with those of want, each at most
// once, and returns what is left of want and the values of got left over.
func (su *suite[V]) unmatched(got, want []V) (rest, extra []V) {
	rest = append([]V(nil), want...)
	for _, g := range got {
		found := false
		for i, w := range rest {
			if su.equal(g, w) {
				rest = append(rest[:i], rest[i+1:]...)
				found = true
				break
			}
		}
		if !found {
			extra = append(extra, g)
		}
	}
	return rest, extra
}

// isPrefix reports whether got is a prefix of want.
func (su *suite[V]) isPrefix(got, want []V) bool {
	return len(got) <= len(want) && su.diff(got, want[:len(got)]) == ""
}

func short(v any) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func list[V any](vs []V) string {
	const max = 5
	var b strings.Builder
	b.WriteString("[")
	for i, v := range vs {
		if i == max {
			fmt.Fprintf(&b, " … %d more", len(vs)-max)
			break
		}
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(short(v))
	}
	b.WriteString("]")
	return b.String()
}
