package s3list

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-go/sluice"
)

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
				if err := sluice.ContextError(ctx); err != nil {
					return l.fail(ctx, last, err)
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
