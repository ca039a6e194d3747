package s3list

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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

type fetched struct {
	sp         *span
	generation int
	discovery  bool
	after      string // the request's StartAfter, for errors; "" with a token
	out        *s3.ListObjectsV2Output
	err        error
}

// A scheduler runs a concurrent listing: it keeps up to Workers requests
// in flight on the spans nearest the head of the listing, holds at most
// ReadAhead pages (buffered or in flight), cuts spans when a worker would
// otherwise idle, and yields the pages in key order (or, Unordered, as
// they come). All its state belongs to the goroutine ranging the
// iterator; requests run in goroutines of their own and report on
// results, which has room for every request in flight, so none of them
// ever blocks.
type scheduler struct {
	l        *listing
	ctx      context.Context // the caller's
	fctx     context.Context // the requests', canceled when the listing returns
	spans    []*span         // in key order; spans[0] is the head
	inflight int
	held     int // pages buffered in spans
	results  chan fetched
	wg       sync.WaitGroup
	pageSize int
	workers  int
	budget   int
}

// discoveryDelimiter is the delimiter of the first request of a
// concurrent listing: the common prefixes of the top level, if the keys
// have any, are where to cut it.
const discoveryDelimiter = "/"

// pollEvery is how many objects the scheduler yields between looks at the
// requests that have completed, so that it starts the next while the
// consumer is still busy with a page.
const pollEvery = 64

// parallel lists l concurrently (Workers > 1) and calls yield for each
// object; it returns the listing's error, or nil when it ended or yield
// returned false. Every request it started has returned when it returns.
func (l *listing) parallel(ctx context.Context, yield func(*types.Object) bool) error {
	fctx, cancel := context.WithCancel(ctx)
	s := &scheduler{
		l:        l,
		ctx:      ctx,
		fctx:     fctx,
		results:  make(chan fetched, l.opts.Workers),
		pageSize: int(aws.ToInt32(l.in.MaxKeys)),
		workers:  l.opts.Workers,
		budget:   l.opts.ReadAhead,
	}
	if s.pageSize <= 0 {
		s.pageSize = 1000 // S3's default and maximum
	}
	defer func() {
		cancel()
		s.wg.Wait()
	}()
	start := aws.ToString(l.in.StartAfter)
	s.spans = []*span{{startAfter: start, consumed: start, cur: start, discovery: true}}
	done := ctx.Done()
	last := start
	for {
		s.fill()
		if sp := s.ready(); sp != nil {
			page := sp.pages[0]
			sp.pages = sp.pages[1:]
			s.held--
			sp.consumed = aws.ToString(page[len(page)-1].Key)
			for i := range page {
				if i%pollEvery == pollEvery-1 {
					s.poll()
				}
				select {
				case <-done:
					return l.fail(ctx, last, ctx.Err())
				default:
				}
				if !yield(&page[i]) {
					return nil
				}
				last = aws.ToString(page[i].Key)
			}
			continue
		}
		if removed, err := s.settle(); err != nil {
			return err
		} else if removed {
			continue // a new head may fetch, or have a page
		}
		if len(s.spans) == 0 {
			return nil
		}
		if s.inflight == 0 {
			// Nothing to wait for: cannot happen while the head may
			// always fetch, but a hang would be worse than this error.
			return l.fail(ctx, last, errStuck)
		}
		select {
		case r := <-s.results:
			s.process(r)
		case <-done:
			return l.fail(ctx, last, ctx.Err())
		}
	}
}

// ready returns the span to yield a page of next, or nil: the head, in
// key order; any span with a page, unordered.
func (s *scheduler) ready() *span {
	if !s.l.opts.Unordered {
		if len(s.spans) > 0 && len(s.spans[0].pages) > 0 {
			return s.spans[0]
		}
		return nil
	}
	for _, sp := range s.spans {
		if len(sp.pages) > 0 {
			return sp
		}
	}
	return nil
}

// settle removes the spans that are finished and yielded (the head, in
// key order; any, unordered), reporting whether it removed any, and
// returns the error of a failed one that is due: the head's in key order,
// after the pages before it; any, unordered.
func (s *scheduler) settle() (removed bool, err error) {
	if !s.l.opts.Unordered {
		for len(s.spans) > 0 && s.spans[0].done && len(s.spans[0].pages) == 0 {
			if err := s.spans[0].err; err != nil {
				return removed, err
			}
			s.spans[0].dead = true
			s.spans[0] = nil
			s.spans = s.spans[1:]
			removed = true
		}
		return removed, nil
	}
	kept := s.spans[:0]
	for _, sp := range s.spans {
		if sp.err != nil {
			return removed, sp.err
		}
		if sp.done && len(sp.pages) == 0 {
			sp.dead = true
			removed = true
			continue
		}
		kept = append(kept, sp)
	}
	clear(s.spans[len(kept):])
	s.spans = kept
	return removed, nil
}

// poll handles the requests that have completed, without waiting.
func (s *scheduler) poll() {
	for {
		select {
		case r := <-s.results:
			s.process(r)
		default:
			s.fill()
			return
		}
	}
}

// fill starts requests until Workers are in flight, the budget is spent,
// or no span has more to list; it cuts a span when a worker would
// otherwise idle.
func (s *scheduler) fill() {
	for s.inflight < s.workers {
		if sp := s.pick(); sp != nil {
			s.start(sp)
			continue
		}
		if !s.split() {
			return
		}
	}
}

// pick returns the span nearest the head that can take a request, or
// nil. The head always can, so the listing always moves; another span
// only within the budget, which it takes from the buffered pages of a
// span farther on when need be, as those are yielded later.
func (s *scheduler) pick() *span {
	for i, sp := range s.spans {
		if sp.done || sp.fetching {
			continue
		}
		if i == 0 || s.held+s.inflight < s.budget || s.evict(i) {
			return sp
		}
		return nil
	}
	return nil
}

// evict drops the last buffered page of the span farthest after spans[i]
// that has one and is not fetching, and rewinds that span to list it
// again; it reports whether it found one.
func (s *scheduler) evict(i int) bool {
	if s.l.opts.Unordered {
		return false // any page may be yielded next: none is farther
	}
	for j := len(s.spans) - 1; j > i; j-- {
		sp := s.spans[j]
		if len(sp.pages) == 0 || sp.fetching || sp.err != nil || sp.fixed {
			continue
		}
		sp.pages[len(sp.pages)-1] = nil
		sp.pages = sp.pages[:len(sp.pages)-1]
		s.held--
		from := sp.consumed
		if n := len(sp.pages); n > 0 {
			from = aws.ToString(sp.pages[n-1][len(sp.pages[n-1])-1].Key)
		}
		sp.startAfter, sp.token, sp.cur, sp.done = from, nil, from, false
		sp.generation++
		return true
	}
	return false
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
		r.out, r.err = s.l.client.ListObjectsV2(s.fctx, &in, s.l.opts.ClientOptions...)
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

// failSpan ends sp with err. In key order the spans after it will never
// be yielded: they are dropped.
func (s *scheduler) failSpan(sp *span, err error) {
	sp.err, sp.done = err, true
	if s.l.opts.Unordered {
		return
	}
	for i, x := range s.spans {
		if x != sp {
			continue
		}
		for _, y := range s.spans[i+1:] {
			y.dead = true
			s.held -= len(y.pages)
		}
		clear(s.spans[i+1:])
		s.spans = s.spans[:i+1]
		return
	}
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
