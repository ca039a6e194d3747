package walkdir

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestComparePos(t *testing.T) {
	// Each position comes before the next, in the order of a walk.
	order := []string{".", "-", "a", "a/b", "a/b/c", "a/b.c", "a/bc", "a-b", "a.txt", "a0", "ab", "b", "b/a", "\xff"}
	for i, a := range order {
		for j, b := range order {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = +1
			}
			if got := comparePos(a, b, '/'); got != want {
				t.Errorf("comparePos(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
	// Random paths: the order is that of their names, one by one.
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab.-_/\x01\xfe"
	for range 5000 {
		a, b := randPos(rng, alphabet), randPos(rng, alphabet)
		want := slices.Compare(strings.Split(a, "/"), strings.Split(b, "/"))
		if got := comparePos(a, b, '/'); got != want {
			t.Fatalf("comparePos(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
}

// randPos returns a clean relative path of one to four short names.
func randPos(rng *rand.Rand, alphabet string) string {
	var names []string
	for range 1 + rng.IntN(4) {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			c := alphabet[rng.IntN(len(alphabet))]
			if c == '/' {
				c = 'a'
			}
			b.WriteByte(c)
		}
		if name := b.String(); name != "." && name != ".." { // not clean
			names = append(names, name)
		} else {
			names = append(names, name+"x")
		}
	}
	return strings.Join(names, "/")
}

func TestWithin(t *testing.T) {
	for _, tc := range []struct {
		p, dir string
		want   bool
	}{
		{"a", ".", true}, {".", ".", true}, {"a", "a", true}, {"a/b", "a", true},
		{"ab", "a", false}, {"a.b", "a", false}, {"a", "a/b", false}, {"b/a", "a", false},
	} {
		if got := within(tc.p, tc.dir, '/'); got != tc.want {
			t.Errorf("within(%q, %q) = %v, want %v", tc.p, tc.dir, got, tc.want)
		}
	}
}

func TestCuts(t *testing.T) {
	u := func(ws ...int) []unit {
		var out []unit
		for i, w := range ws {
			out = append(out, unit{pos: string(rune('a' + i)), weight: w})
		}
		return out
	}
	for _, tc := range []struct {
		units []unit
		n     int
		want  string
	}{
		{u(1, 1, 1, 1), 2, "c"},
		{u(1, 1, 1, 1), 4, "bcd"},
		{u(1, 1, 1, 1), 9, "bcd"},                // no more cuts than boundaries
		{u(1, 1000, 1, 1), 4, "bcd"},             // an unread subtree is not cut
		{u(1, 1, 1, 1, 1, 1, 1, 1, 100), 2, "i"}, // the heavy unit alone
		{u(5), 3, ""},
	} {
		if got := strings.Join(cuts(tc.units, tc.n), ""); got != tc.want {
			t.Errorf("cuts(%v, %d) = %q, want %q", tc.units, tc.n, got, tc.want)
		}
	}
	if i := nearest(u(1, 1, 1, 1), 2, 0); i != 2 {
		t.Errorf("nearest(1 1 1 1, 2) = %d, want 2", i)
	}
	if i := nearest(u(1, 1, 1, 1), 0, 0); i != 0 {
		t.Errorf("nearest(1 1 1 1, 0) = %d, want 0", i)
	}
}
