package s3list

import (
	"cmp"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// A span is a range of the key space, (after, hi], listed by its own
// sequence of requests: the first with StartAfter, the next with the
// continuation token of the one before, until a page passes hi or the
// listing ends.
type span struct {
	// prefix, if not empty, is the Prefix of the span's requests: the
	// span is (part of) a common prefix, and S3 ends its listing exactly
	// at the prefix's end, where a bound hi costs a page read past it.
	prefix  string
	hi      string // inclusive upper bound, if bounded
	bounded bool

	startAfter string  // the next request's StartAfter, when token is nil
	token      *string // the next request's continuation token
	consumed   string  // the last key taken out of pages, or the lower bound

	pages    [][]types.Object // fetched, not yet yielded
	fetching bool
	done     bool  // no more requests: pages (and err) are all there is
	err      error // the span's failure, after its pages
	dead     bool  // removed: results still in flight are dropped

	// What the span has seen of its keys, to cut it (see sample).
	cur           string // the greatest key received, or the lower bound
	wFirst, wLast string // the first and last keys of its last full page
	wN            int    // the keys in that page

	discovery  bool // its next request lists the top level with a delimiter
	generation int  // bumped when buffered pages are dropped (evict)

	// fixed: the span is objects the first page showed, with no request
	// of its own to list them again: its pages are never evicted.
	fixed bool
}

// cut makes (cuts[0], cuts[1]], …, (cuts[n-1], sp.hi] new spans after
// spans[i] = sp, which keeps (…, cuts[0]].
func (s *scheduler) cut(i int, sp *span, cuts []string) {
	if len(cuts) == 0 {
		return
	}
	news := make([]*span, len(cuts))
	for j, c := range cuts {
		n := &span{prefix: sp.prefix, startAfter: c, consumed: c, cur: c, hi: sp.hi, bounded: sp.bounded}
		if j+1 < len(cuts) {
			n.hi, n.bounded = cuts[j+1], true
		}
		news[j] = n
	}
	sp.hi, sp.bounded = cuts[0], true
	s.spans = append(s.spans[:i+1], append(news, s.spans[i+1:]...)...)
}

// split cuts the span nearest the head that is being listed and has
// enough left, so that the workers that would otherwise idle list its
// far part; it reports whether it cut one.
func (s *scheduler) split() bool {
	free := min(s.workers-s.inflight, s.budget-s.held-s.inflight)
	if free <= 0 {
		return false
	}
	for i, sp := range s.spans {
		if sp.done || !sp.fetching || sp.wN < 2 {
			continue
		}
		cuts := sample{
			cur: sp.cur, first: sp.wFirst, last: sp.wLast, n: sp.wN, pageSize: s.pageSize,
			hi: sp.hi, bounded: sp.bounded, prefix: cmp.Or(sp.prefix, s.l.prefix), maxCutsWanted: free,
		}.cuts()
		if len(cuts) > 0 {
			s.cut(i, sp, cuts)
			return true
		}
	}
	return false
}

// lastPageSize returns the MaxKeys of sp's next request: a page, unless sp
// is bounded and its keys' density says fewer keys are left than a page,
// when it asks for those and a margin. S3 cannot end a request at a key,
// so a range's last request reads on past its end, keys that are dropped
// (the next range lists them): on a server whose cost is per key read,
// that was a page wasted for every cut.
func (s *scheduler) lastPageSize(sp *span) int {
	if !sp.bounded || sp.wN < 2 {
		return s.pageSize
	}
	left := sample{cur: sp.cur, first: sp.wFirst, last: sp.wLast, n: sp.wN, hi: sp.hi, bounded: true, prefix: cmp.Or(sp.prefix, s.l.prefix)}.keysLeft(s.pageSize)
	if left < 0 || left >= s.pageSize {
		return s.pageSize
	}
	return min(s.pageSize, max(left+left/4+16, s.pageSize/10))
}
