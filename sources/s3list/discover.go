package s3list

import (
	"cmp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// discoveryDelimiter is the delimiter of the first request of a
// concurrent listing: the common prefixes of the top level, if the keys
// have any, are where to cut it.
const discoveryDelimiter = "/"

// discovered replaces the first span by what the first page, a listing
// of the top level with a delimiter, shows of it: the objects there, which
// need no other request, and a span for each common prefix, listed with
// the prefix as its Prefix, which S3 ends exactly at the prefix's end.
// After a truncated page, a last span lists the rest.
func (s *scheduler) discovered(sp *span, out *s3.ListObjectsV2Output) {
	start := sp.startAfter
	var spans []*span
	var run []types.Object
	// A start inside a common prefix (a resumed listing): that prefix's
	// keys after the start come first. S3 lists the prefix itself, the
	// gateway does not (it sorts before the start): either way it is
	// listed here, once.
	inside := s.insidePrefix(sp)
	if inside != "" {
		spans = append(spans, &span{prefix: inside, startAfter: start, consumed: start, cur: start})
	}
	flush := func() {
		if len(run) > 0 {
			spans = append(spans, &span{done: true, fixed: true, pages: [][]types.Object{run}})
			s.held++
			run = nil
		}
	}
	last, lastIsPrefix := "", false
	merge(out.Contents, out.CommonPrefixes, func(e Entry) bool {
		last, lastIsPrefix = e.Key(), e.IsPrefix()
		if !e.IsPrefix() {
			if e.Key() > start {
				run = append(run, *e.Object)
			}
			return true
		}
		if e.Prefix == inside {
			return true
		}
		flush()
		spans = append(spans, &span{prefix: e.Prefix, cur: e.Prefix})
		return true
	})
	flush()
	if aws.ToBool(out.IsTruncated) && last != "" {
		after := last
		if lastIsPrefix {
			after = afterPrefix(last)
		}
		spans = append(spans, &span{prefix: sp.prefix, startAfter: after, consumed: after, cur: after, hi: sp.hi, bounded: sp.bounded})
	} else if aws.ToBool(out.IsTruncated) {
		// Truncated, yet empty: list the span again, without the
		// delimiter.
		spans = append(spans, &span{prefix: sp.prefix, startAfter: start, consumed: start, cur: start, hi: sp.hi, bounded: sp.bounded})
	}
	sp.dead = true
	i := slices.Index(s.spans, sp)
	s.spans = slices.Replace(s.spans, i, i+1, spans...)
}

// insidePrefix returns the common prefix of the top level that holds
// sp's start, or "": the first page of a listing resumed there does not
// show that prefix's keys after the start.
func (s *scheduler) insidePrefix(sp *span) string {
	base := cmp.Or(sp.prefix, s.l.prefix)
	rest, ok := strings.CutPrefix(sp.startAfter, base)
	if !ok {
		return ""
	}
	i := strings.Index(rest, discoveryDelimiter)
	if i < 0 {
		return ""
	}
	return base + rest[:i+len(discoveryDelimiter)]
}
