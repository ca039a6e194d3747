package s3list

import (
	"math/big"
	"strings"
	"unicode/utf8"
)

// Splitting a range of keys needs keys in between that cut it into parts
// of known size, and S3 gives no count of keys in a range. What a range
// gives is its pages: a page of n keys from first to last says how dense
// the keys are there. A keyspace turns keys into numbers, so that a page's
// width (last - first) can be laid out again past the range's position:
// the next page likely ends about one width further, and the keys there
// are where to cut. The numbers come from the bytes after the listing's
// prefix, each position a digit in a radix fit to the bytes seen at that
// position (the digits of a decimal counter count in base 10, so that
// "k0999" and "k1000" are one apart, as they are in the listing).
//
// The estimate is only an estimate: a cut in an empty stretch makes an
// empty range, which costs one request, and a range with more keys than
// guessed is cut again when a worker is free. Whatever the cuts, the
// ranges are listed exactly and joined in order.

// A charClass is the set of bytes one position is assumed to hold.
type charClass string

const (
	digits      charClass = "0123456789"
	hexDigits   charClass = "0123456789abcdef"
	lower       charClass = "abcdefghijklmnopqrstuvwxyz"
	lowerDigits charClass = "0123456789abcdefghijklmnopqrstuvwxyz"
	alnum       charClass = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	anyByte     charClass = "" // all 256
)

// classOf returns the narrowest class holding every byte of seen.
func classOf(seen []byte) charClass {
	if len(seen) == 0 {
		return anyByte
	}
	for _, c := range []charClass{digits, hexDigits, lower, lowerDigits, alnum} {
		all := true
		for _, b := range seen {
			if strings.IndexByte(string(c), b) < 0 {
				all = false
				break
			}
		}
		if all {
			return c
		}
	}
	// One byte, always the same (a "/" between the parts of a key):
	// a class of its own.
	same := true
	for _, b := range seen[1:] {
		same = same && b == seen[0]
	}
	if same {
		return charClass(seen[:1])
	}
	return anyByte
}

// size returns the number of bytes in c.
func (c charClass) size() int {
	if c == anyByte {
		return 256
	}
	return len(c)
}

// digit returns the value of byte b in c, from 0 to size-1: its rank
// among c's bytes, a byte between two of them counting as the greater
// and one above all of them as the greatest. A key that has ended counts
// as 0 too. The numbers are then monotonic, though not strictly, and a
// decimal counter counts in base 10 exactly.
func (c charClass) digit(b byte) int {
	if c == anyByte {
		return int(b)
	}
	n := 0
	for n < len(c)-1 && c[n] < b {
		n++
	}
	return n
}

// char returns the byte of value d in c.
func (c charClass) char(d int) byte {
	if c == anyByte {
		return byte(d)
	}
	return c[d]
}

// A keyspace numbers the keys that start with base.
type keyspace struct {
	base    string
	classes []charClass // one per position after base
}

// newKeyspace returns the keyspace of keys under base fit to samples,
// which must start with base, with one position more than the longest
// for cuts finer than its keys.
func newKeyspace(base string, samples ...string) *keyspace {
	n := 0
	for _, s := range samples {
		n = max(n, len(s)-len(base))
	}
	n = min(n+1, 256)
	ks := &keyspace{base: base, classes: make([]charClass, n)}
	seen := make([]byte, 0, len(samples))
	for i := range ks.classes {
		seen = seen[:0]
		for _, s := range samples {
			if j := len(base) + i; j < len(s) {
				seen = append(seen, s[j])
			}
		}
		ks.classes[i] = classOf(seen)
	}
	return ks
}

// value returns the number of key k (which starts with base).
func (ks *keyspace) value(k string) *big.Int {
	v := new(big.Int)
	var radix, d big.Int
	for i, c := range ks.classes {
		radix.SetInt64(int64(c.size()))
		v.Mul(v, &radix)
		if j := len(ks.base) + i; j < len(k) {
			d.SetInt64(int64(c.digit(k[j])))
			v.Add(v, &d)
		}
	}
	return v
}

// key returns the key of number v, or ok=false if v is beyond the
// keyspace.
func (ks *keyspace) key(v *big.Int) (string, bool) {
	if v.Sign() < 0 {
		return "", false
	}
	ds := make([]int, len(ks.classes))
	rest := new(big.Int).Set(v)
	var radix, d big.Int
	for i := len(ks.classes) - 1; i >= 0; i-- {
		radix.SetInt64(int64(ks.classes[i].size()))
		rest.DivMod(rest, &radix, &d)
		ds[i] = int(d.Int64())
	}
	if rest.Sign() != 0 {
		return "", false
	}
	b := []byte(ks.base)
	for i, dv := range ds {
		b = append(b, ks.classes[i].char(dv))
	}
	// Trailing zero bytes add nothing but length.
	return strings.ToValidUTF8(strings.TrimRight(string(b), "\x00"), ""), true
}

// A sample is what a range has seen of its keys: its position (the last
// key it received) and its last full page.
type sample struct {
	cur           string
	first, last   string // the first and last keys of the last full page
	n             int    // the keys in that page
	pageSize      int    // the keys a full page holds
	hi            string // the range's inclusive upper bound, if bounded
	bounded       bool
	prefix        string // the listing's prefix, which all keys share
	maxCutsWanted int
}

// cuts returns up to s.maxCutsWanted keys c1 < c2 < … above s.cur (and
// below s.hi) at which to cut the rest of the range into new ranges:
// (cur, c1] stays with the range, whose request in flight lists about one
// page past cur, and (c1, c2], …, (ck, hi] are new. They lie at 1, 4, 16,
// … page widths past cur: close ranges are sized by the density of the
// page just read, far ones grow geometrically, so that an estimate off by
// any factor costs a few empty ranges, not a great many.
func (s sample) cuts() []string {
	if s.n < 2 || s.maxCutsWanted < 1 {
		return nil
	}
	samples := []string{s.cur, s.first, s.last}
	if s.bounded {
		samples = append(samples, s.hi)
	}
	ks := newKeyspace(s.prefix, samples...)
	cur := ks.value(s.cur)
	width := new(big.Int).Sub(ks.value(s.last), ks.value(s.first))
	width.Mul(width, big.NewInt(int64(s.pageSize)))
	width.Quo(width, big.NewInt(int64(s.n-1)))
	if width.Sign() <= 0 {
		return nil
	}
	var hi *big.Int
	if s.bounded {
		hi = ks.value(s.hi)
		// Too little left to share: about three pages or fewer.
		if left := new(big.Int).Sub(hi, cur); left.Cmp(new(big.Int).Mul(width, big.NewInt(3))) < 0 {
			return nil
		}
	}
	var out []string
	prev := s.cur
	step := new(big.Int).Set(width)
	four := big.NewInt(4)
	for len(out) < s.maxCutsWanted {
		v := new(big.Int).Add(cur, step)
		step.Mul(step, four)
		if hi != nil && v.Cmp(hi) >= 0 {
			break
		}
		k, ok := ks.key(v)
		if !ok {
			break
		}
		if k <= prev || !strings.HasPrefix(k, s.prefix) || !utf8.ValidString(k) || (s.bounded && k >= s.hi) {
			continue
		}
		out = append(out, k)
		prev = k
	}
	return out
}

// keysLeft estimates how many keys lie in (cur, hi] from the density of
// the last full page, or returns -1 if it cannot tell (or more than
// limit, which it returns as limit).
func (s sample) keysLeft(limit int) int {
	if s.n < 2 || !s.bounded {
		return -1
	}
	ks := newKeyspace(s.prefix, s.cur, s.first, s.last, s.hi)
	span := new(big.Int).Sub(ks.value(s.last), ks.value(s.first))
	if span.Sign() <= 0 {
		return -1
	}
	left := new(big.Int).Sub(ks.value(s.hi), ks.value(s.cur))
	left.Mul(left, big.NewInt(int64(s.n-1)))
	left.Quo(left, span)
	if !left.IsInt64() || left.Int64() > int64(limit) {
		return limit
	}
	return int(max(left.Int64(), 0))
}
