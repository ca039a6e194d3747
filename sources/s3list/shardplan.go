package s3list

import (
	"context"
	"math/big"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Split plans its shards as the concurrent listing starts (discover.go):
// the top level listed with the delimiter "/" shows the common prefixes,
// each a part of the listing, and the objects between them. It then
// weighs each part by its first page: a part whose page is its whole has
// that many keys, exactly; a larger one is numbered as a keyspace fit to
// that page (split.go), and a few one-key requests (StartAfter = a key
// halfway between what is known to exist and what is known not to) find
// about where its keys end, so that its page's density says about how
// many it holds. The cuts then fall where the running total of the
// weights crosses each n-th of the whole: at a part's start, at one of
// its known keys, or at a key of its keyspace in between.

// maxWeighed bounds the parts Split weighs by requests of their own; past
// it, every part counts as a page.
const maxWeighed = 64

// probes bounds the one-key requests that look for where a part ends.
const probes = 24

// A part is a stretch of the listing that Split weighs: a run of objects
// of the top level, a common prefix, or the rest after a truncated first
// page.
type part struct {
	start      string   // its least position: the prefix, or its first key
	prefix     string   // the Prefix of its requests; "" for the listing's
	startAfter string   // the StartAfter of its first request
	keys       []string // every key, when the part is known exactly
	exact      bool
	weight     float64

	// Of a part larger than a page: its keys numbered, from the first
	// to about the last.
	ks       *keyspace
	lo, hi   *big.Int
	base     string
	estimate bool
}

// plan returns the n-1 or fewer keys, in increasing order, at which to
// cut the listing into n shards of about as many keys each.
func (s *Sharder) plan(ctx context.Context, n int) ([]string, error) {
	l := s.l
	page := pageSizeOf(&l.in)
	in := l.in
	in.Delimiter = aws.String(discoveryDelimiter)
	in.MaxKeys = aws.Int32(int32(page))
	out, err := l.client.ListObjectsV2(ctx, &in, l.opts.ClientOptions...)
	if err != nil {
		return nil, l.fail(ctx, "", err)
	}
	var parts []*part
	var run *part
	merge(out.Contents, out.CommonPrefixes, func(e Entry) bool {
		if e.IsPrefix() {
			run = nil
			parts = append(parts, &part{start: e.Prefix, prefix: e.Prefix})
			return true
		}
		if run == nil {
			run = &part{start: e.Key(), exact: true}
			parts = append(parts, run)
		}
		run.keys = append(run.keys, e.Key())
		run.weight++
		return true
	})
	if aws.ToBool(out.IsTruncated) {
		rest := &part{}
		switch last, isPrefix := lastEntry(out); {
		case last == "": // truncated, yet empty: weigh the whole listing
		case isPrefix:
			rest.startAfter = afterPrefix(last)
			rest.start = rest.startAfter
		default:
			rest.startAfter = last
			rest.start = successor(last)
		}
		parts = append(parts, rest)
	}
	if err := s.weigh(ctx, parts, page); err != nil {
		return nil, err
	}
	return cutsOf(parts, n), nil
}

// weigh weighs the parts not known exactly, several at once.
func (s *Sharder) weigh(ctx context.Context, parts []*part, page int) error {
	var todo []*part
	for _, p := range parts {
		if !p.exact {
			todo = append(todo, p)
		}
	}
	if len(todo) > maxWeighed {
		for _, p := range todo {
			p.weight = float64(page)
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, max(s.l.opts.Workers, 8))
	for _, p := range todo {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			if err := s.weighPart(ctx, p, page); err != nil {
				mu.Lock()
				if first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = s.l.fail(ctx, "", ctx.Err())
	}
	return first
}

// weighPart lists the first page of p and, if p is larger, estimates how
// many keys it holds.
func (s *Sharder) weighPart(ctx context.Context, p *part, page int) error {
	l := s.l
	in := l.in
	if p.prefix != "" {
		in.Prefix = aws.String(p.prefix)
	}
	if p.startAfter != "" {
		in.StartAfter = aws.String(p.startAfter)
	}
	in.MaxKeys = aws.Int32(int32(page))
	out, err := l.client.ListObjectsV2(ctx, &in, l.opts.ClientOptions...)
	if err != nil {
		return l.fail(ctx, p.startAfter, err)
	}
	keys := make([]string, len(out.Contents))
	for i, o := range out.Contents {
		keys[i] = aws.ToString(o.Key)
	}
	if !aws.ToBool(out.IsTruncated) {
		p.keys, p.exact, p.weight = keys, true, float64(len(keys))
		return nil
	}
	p.weight = float64(page)
	m := len(keys)
	if m < 2 {
		return nil
	}
	base := aws.ToString(in.Prefix)
	ks := newKeyspace(base, keys[0], keys[m/4], keys[m/2], keys[3*m/4], keys[m-1])
	first, last := ks.value(keys[0]), ks.value(keys[m-1])
	if last.Cmp(first) <= 0 {
		return nil
	}
	end, err := s.findEnd(ctx, &in, ks, first, last, keys[m-1])
	if err != nil {
		return err
	}
	// (m-1) keys span last-first: the part's keys span about end-first.
	w := new(big.Float).SetInt(new(big.Int).Sub(end, first))
	w.Quo(w, new(big.Float).SetInt(new(big.Int).Sub(last, first)))
	est, _ := w.Float64()
	p.weight = max(est*float64(m-1)+1, float64(m+1))
	p.ks, p.lo, p.hi, p.base, p.estimate = ks, first, end, base, true
	return nil
}

// findEnd returns about the number, in ks, of the last key of the
// listing of in, whose key lastKey numbered last exists: it narrows
// (last, the greatest number of ks] by one-key requests, halving it
// until what is left is a sixteenth of what is known, or probes run out.
func (s *Sharder) findEnd(ctx context.Context, in *s3.ListObjectsV2Input, ks *keyspace, first, last *big.Int, lastKey string) (*big.Int, error) {
	l := s.l
	hi := big.NewInt(1) // one past the greatest number
	for _, c := range ks.classes {
		hi.Mul(hi, big.NewInt(int64(c.size())))
	}
	lo := new(big.Int).Set(last)
	probe := *in
	probe.MaxKeys = aws.Int32(1)
	probe.ContinuationToken = nil
	two := big.NewInt(2)
	for range probes {
		gap := new(big.Int).Sub(hi, lo)
		known := new(big.Int).Sub(lo, first)
		if gap.Cmp(big.NewInt(1)) <= 0 || new(big.Int).Mul(gap, big.NewInt(16)).Cmp(known) <= 0 {
			break
		}
		m := new(big.Int).Add(lo, hi)
		m.Quo(m, two)
		k, ok := ks.key(m)
		if !ok {
			hi = m
			continue
		}
		if k <= lastKey {
			lo = m // no key to ask after that is not known already
			continue
		}
		probe.StartAfter = aws.String(k)
		out, err := l.client.ListObjectsV2(ctx, &probe, l.opts.ClientOptions...)
		if err != nil {
			return nil, l.fail(ctx, k, err)
		}
		if len(out.Contents) == 0 {
			hi = m
			continue
		}
		lastKey = aws.ToString(out.Contents[0].Key)
		v := ks.value(lastKey)
		if v.Cmp(hi) >= 0 {
			hi = new(big.Int).Add(v, big.NewInt(1))
		}
		if v.Cmp(m) > 0 {
			m = v
		}
		lo = m
	}
	return lo, nil
}

// cut returns the position about frac of the way through p.
func (p *part) cut(frac float64) string {
	switch {
	case frac*p.weight < 0.5:
		return p.start
	case p.exact:
		i := min(int(frac*float64(len(p.keys))+0.5), len(p.keys)-1)
		if i <= 0 {
			return p.start
		}
		return p.keys[i]
	case p.estimate:
		k, ok := p.ks.key(between(p.lo, p.hi, frac))
		if ok && k > p.start && strings.HasPrefix(k, p.base) && utf8.ValidString(k) {
			return k
		}
	}
	return p.start
}

// cutsOf returns the keys at which the running total of the parts'
// weights crosses each n-th of their sum, in increasing order, without
// repeats or the start of the listing.
func cutsOf(parts []*part, n int) []string {
	total := 0.0
	for _, p := range parts {
		total += p.weight
	}
	if total == 0 {
		return nil
	}
	var cuts []string
	sum, i := 0.0, 0
	for j := 1; j < n; j++ {
		t := float64(j) * total / float64(n)
		for i < len(parts) && sum+parts[i].weight <= t {
			sum += parts[i].weight
			i++
		}
		if i == len(parts) {
			break
		}
		cuts = append(cuts, parts[i].cut((t-sum)/parts[i].weight))
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	// No shard before the first key.
	return slices.DeleteFunc(cuts, func(c string) bool { return c <= parts[0].start })
}
