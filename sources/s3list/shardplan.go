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

// planPage is the MaxKeys of Split's requests, whatever the input's: the
// most S3 lists at once, as many keys to weigh for the same request.
var planPage int32 = 1000 // a variable for the tests

// discoveryPages bounds the pages of the top level that Split lists; the
// rest is weighed as one part.
const discoveryPages = 4

// maxWeighed bounds the parts Split weighs by requests of their own; past
// it, it weighs a sample of them.
const maxWeighed = 64

// probes bounds the one-key requests that look for where a part ends.
const probes = 24

// maxDescent bounds the levels of lone common prefixes Split looks into
// (see plan).
const maxDescent = 16

// lonePrefix returns the common prefix of a page that holds it alone: no
// object, no other prefix, and no page after it.
func lonePrefix(out *s3.ListObjectsV2Output) (string, bool) {
	if len(out.CommonPrefixes) != 1 || len(out.Contents) != 0 || aws.ToBool(out.IsTruncated) {
		return "", false
	}
	p := aws.ToString(out.CommonPrefixes[0].Prefix)
	return p, p != ""
}

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
	in := l.in
	in.Delimiter = aws.String(discoveryDelimiter)
	in.MaxKeys = aws.Int32(planPage)
	var parts []*part
	var run *part
	after, start := "", "" // where the top level not yet listed starts
	for page, depth := 1, 0; ; page++ {
		out, err := l.list(ctx, &in)
		if err != nil {
			return nil, l.fail(ctx, after, err)
		}
		// A level that is one common prefix and nothing else (a bucket
		// of logs/2026/11/27/…) says nothing of where its keys lie:
		// list the level below it instead.
		if lone, ok := lonePrefix(out); ok && page == 1 && depth < maxDescent {
			in.Prefix, depth, page = aws.String(lone), depth+1, 0
			continue
		}
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
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		last, isPrefix := lastEntry(out)
		switch {
		case last == "": // truncated, yet empty
		case isPrefix:
			after, start = afterPrefix(last), afterPrefix(last)
		default:
			after, start = last, successor(last)
		}
		if last == "" || page == discoveryPages {
			// The rest of the top level, weighed as one part.
			rest := &part{start: start, startAfter: after}
			if depth > 0 {
				rest.prefix = aws.ToString(in.Prefix)
			}
			parts = append(parts, rest)
			break
		}
		in.ContinuationToken, in.StartAfter = nil, aws.String(after)
	}
	if err := s.weigh(ctx, parts); err != nil {
		return nil, err
	}
	return cutsOf(parts, n), nil
}

// weigh weighs the parts not known exactly, several at once.
func (s *Sharder) weigh(ctx context.Context, parts []*part) error {
	var todo []*part
	for _, p := range parts {
		if !p.exact {
			todo = append(todo, p)
		}
	}
	// Past maxWeighed, weigh an even sample of them, the first and the
	// last among them, and give the others the sample's mean.
	var others []*part
	if len(todo) > maxWeighed {
		sample := make([]*part, maxWeighed)
		for i := range sample {
			sample[i] = todo[i*(len(todo)-1)/(maxWeighed-1)]
		}
		for _, p := range todo {
			if !slices.Contains(sample, p) {
				others = append(others, p)
			}
		}
		todo = sample
	}
	if err := s.weighAll(ctx, todo); err != nil {
		return err
	}
	mean := 0.0
	for _, p := range todo {
		mean += p.weight / float64(len(todo))
	}
	for _, p := range others {
		p.weight = mean
	}
	return nil
}

// weighAll weighs parts, several at once.
func (s *Sharder) weighAll(ctx context.Context, todo []*part) error {
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
			if err := s.weighPart(ctx, p); err != nil {
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
func (s *Sharder) weighPart(ctx context.Context, p *part) error {
	l := s.l
	in := l.in
	if p.prefix != "" {
		in.Prefix = aws.String(p.prefix)
	}
	if p.startAfter != "" {
		in.StartAfter = aws.String(p.startAfter)
	}
	in.MaxKeys = aws.Int32(planPage)
	out, err := l.list(ctx, &in)
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
	p.weight = float64(planPage)
	m := len(keys)
	if m < 2 {
		return nil
	}
	e := estimator{base: aws.ToString(in.Prefix), firstKey: keys[0], pageLast: keys[m-1]}
	e.fit(keys[0], keys[m/4], keys[m/2], keys[3*m/4], keys[m-1])
	if e.last.Cmp(e.first) <= 0 {
		return nil
	}
	if err := s.findEnd(ctx, &in, &e, keys[m-1]); err != nil {
		return err
	}
	// m-1 keys span last-first: the part's keys span about end-first.
	w := new(big.Float).SetInt(new(big.Int).Sub(e.end, e.first))
	w.Quo(w, new(big.Float).SetInt(new(big.Int).Sub(e.last, e.first)))
	est, _ := w.Float64()
	p.weight = max(est*float64(m-1)+1, float64(m+1))
	p.ks, p.lo, p.hi, p.base, p.estimate = e.ks, e.first, e.end, e.base, true
	return nil
}

// An estimator numbers the keys of a part larger than a page, to find
// about where they end.
type estimator struct {
	base     string
	samples  []string
	ks       *keyspace
	firstKey string
	pageLast string
	first    *big.Int // the number of the part's first key
	last     *big.Int // of its first page's last key
	end      *big.Int // of about its last key
	endKey   string   // the greatest key the probes found
}

// fit (re)makes the keyspace from the samples and more.
func (e *estimator) fit(more ...string) {
	e.samples = append(e.samples, more...)
	e.ks = newKeyspace(e.base, e.samples...)
	e.first, e.last = e.ks.value(e.firstKey), e.ks.value(e.pageLast)
}

// holds reports whether each byte of k is of its position's class, so
// that the keyspace numbers k as it is.
func (ks *keyspace) holds(k string) bool {
	rest := k[len(ks.base):]
	if len(rest) > len(ks.classes) {
		return false
	}
	for i := range len(rest) {
		if c := ks.classes[i]; c != anyByte && strings.IndexByte(string(c), rest[i]) < 0 {
			return false
		}
	}
	return true
}

// findEnd sets e.end to about the number of the last key of the listing
// of in, whose key lastKey exists, and e.endKey to the greatest key it
// found: it narrows (lastKey, the greatest number] by one-key requests,
// galloping up from what it knows and then halving, until what is left
// is a sixteenth of what is known, or probes run out. It asks first for
// a key past the greatest number: a key found that the keyspace cannot
// number (a letter where the first page had only digits) refits it.
func (s *Sharder) findEnd(ctx context.Context, in *s3.ListObjectsV2Input, e *estimator, lastKey string) error {
	l := s.l
	var lo, hi *big.Int
	bounds := func() {
		lo = e.ks.value(lastKey)
		hi = big.NewInt(1) // one past the greatest number
		for _, c := range e.ks.classes {
			hi.Mul(hi, big.NewInt(int64(c.size())))
		}
	}
	bounds()
	probe := *in
	probe.MaxKeys = aws.Int32(1)
	probe.ContinuationToken = nil
	two := big.NewInt(2)
	top := true // the first probe asks for a key past the keyspace
	for range probes {
		gap := new(big.Int).Sub(hi, lo)
		known := new(big.Int).Sub(lo, e.first)
		if gap.Cmp(big.NewInt(1)) <= 0 || (!top && new(big.Int).Mul(gap, big.NewInt(16)).Cmp(known) <= 0) {
			break
		}
		// Gallop, then halve: the next probe is at most three times
		// what is known past it, so that keys filling a sliver of the
		// keyspace (a date's directories, where the first page fit
		// every position from the year on) are found in about
		// log4(keys/page) probes rather than in one per halving of the
		// keyspace; once a probe finds nothing, it halves the rest.
		step := new(big.Int).Quo(gap, two)
		if far := new(big.Int).Mul(known, big.NewInt(3)); far.Sign() > 0 && far.Cmp(step) < 0 {
			step = far
		}
		m := new(big.Int).Add(lo, step)
		if top {
			m.Sub(hi, big.NewInt(1))
			top = false
		}
		k, ok := e.ks.key(m)
		if !ok {
			hi = m
			continue
		}
		if k <= lastKey {
			lo = m // no key to ask after that is not known already
			continue
		}
		probe.StartAfter = aws.String(k)
		out, err := l.list(ctx, &probe)
		if err != nil {
			return l.fail(ctx, k, err)
		}
		if len(out.Contents) == 0 {
			hi = m
			continue
		}
		lastKey = aws.ToString(out.Contents[0].Key)
		if strings.HasPrefix(lastKey, e.base) && !e.ks.holds(lastKey) {
			e.fit(lastKey)
			bounds()
			top = true
			continue
		}
		v := e.ks.value(lastKey)
		if v.Cmp(hi) >= 0 {
			hi = new(big.Int).Add(v, big.NewInt(1))
		}
		if v.Cmp(m) > 0 {
			m = v
		}
		lo = m
	}
	e.end, e.endKey = lo, lastKey
	return nil
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
