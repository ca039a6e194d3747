package s3list

import (
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

type fetched struct {
	sp         *span
	generation int
	discovery  bool
	after      string // the request's StartAfter, for errors; "" with a token
	out        *s3.ListObjectsV2Output
	err        error
}

// start sends the next request of sp.
func (s *scheduler) start(sp *span) {
	in := s.l.in
	if sp.prefix != "" {
		in.Prefix = aws.String(sp.prefix)
	}
	after := ""
	if sp.token != nil {
		in.ContinuationToken = sp.token
	} else {
		after = sp.startAfter
		in.StartAfter = nil
		if after != "" {
			in.StartAfter = aws.String(after)
		}
	}
	if n := s.lastPageSize(sp); n < s.pageSize {
		in.MaxKeys = aws.Int32(int32(n))
	}
	discovery := sp.discovery
	if discovery {
		sp.discovery = false
		in.Delimiter = aws.String(discoveryDelimiter)
	}
	sp.fetching = true
	s.inflight++
	r := fetched{sp: sp, generation: sp.generation, discovery: discovery, after: after}
	s.wg.Go(func() {
		r.out, r.err = s.l.list(s.fctx, &in)
		s.results <- r
	})
}

// process takes in the page of a completed request.
func (s *scheduler) process(r fetched) {
	s.inflight--
	sp := r.sp
	sp.fetching = false
	if sp.dead || r.generation != sp.generation {
		return
	}
	if r.err != nil {
		s.failSpan(sp, s.l.fail(s.ctx, r.after, r.err))
		return
	}
	out := r.out
	if r.discovery && (len(out.CommonPrefixes) > 0 || s.insidePrefix(sp) != "") {
		s.discovered(sp, out)
		return
	}
	raw := out.Contents
	objs := raw
	if sp.bounded {
		i := sort.Search(len(raw), func(i int) bool { return aws.ToString(raw[i].Key) > sp.hi })
		if i < len(raw) {
			objs, sp.done = raw[:i], true
		}
	}
	truncated := aws.ToBool(out.IsTruncated)
	if n := len(raw); n > 0 {
		sp.cur = aws.ToString(raw[n-1].Key)
		if n >= 2 && truncated {
			sp.wFirst, sp.wLast, sp.wN = aws.ToString(raw[0].Key), sp.cur, n
		}
	}
	switch {
	case sp.done:
	case !truncated:
		sp.done = true
	case r.discovery:
		// The token of a listing with a delimiter does not continue
		// one without: go on after its last key.
		sp.token, sp.startAfter = nil, sp.cur
	case aws.ToString(out.NextContinuationToken) != "":
		sp.token = out.NextContinuationToken
	case len(raw) > 0:
		sp.token, sp.startAfter = nil, sp.cur
	default:
		s.failSpan(sp, s.l.fail(s.ctx, r.after, errNoToken))
		return
	}
	if len(objs) > 0 {
		sp.pages = append(sp.pages, objs)
		s.held++
	}
}
