package s3list

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cursor"
	"github.com/sluice-go/sluice/shard"
)

// A Reader reads one shard of a Sharder: the objects whose keys lie in
// its range, in key order, one page at a time. It implements
// shard.Reader[Entry]; its methods are safe to call from different
// goroutines at once.
type Reader struct {
	s     *Sharder
	start string
	used  atomic.Bool

	mu     sync.Mutex
	end    string         // narrowed by Split
	last   string         // the key of the last object yielded, or of the cursor opened with
	cursor string         // its cursor
	buf    []types.Object // of the page fetched, the objects not yet yielded
	listed bool           // a page has been fetched
	more   bool           // pages after buf may hold keys of the shard
	done   bool           // All has yielded the shard to its end

	// The first and last keys, and the count, of the last full page: the
	// density of the keys, to estimate where to cut (see sample); and
	// five keys of it, at its quartiles, to fit a keyspace to.
	wFirst, wLast string
	wN            int
	wSamples      []string

	// Of a shard without End, about the listing's last key (see
	// guessEnd): "" until a Split looks for it.
	endGuess string
}

var _ shard.Reader[Entry] = (*Reader)(nil)

// All returns an iterator over the objects of the shard, as entries, in
// key order: from Start, or strictly after Cursor, up to End, or up to
// the split point of the last Split that narrowed it, exactly. It
// keeps the contract of All (errors as *ListError, ctx's error when ctx
// is done). It returns a single-use iterator.
func (r *Reader) All(ctx context.Context) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		if r.used.Swap(true) {
			yield(Entry{}, sluice.ErrReused)
			return
		}
		if err := r.list(ctx, yield); err != nil {
			yield(Entry{}, err)
		}
	}
}

// list lists the shard, one page at a time, and yields its objects.
func (r *Reader) list(ctx context.Context, yield func(Entry, error) bool) error {
	l := r.s.l
	in := l.in
	pageSize := pageSizeOf(&in)
	r.mu.Lock()
	after := r.last
	if after == "" && r.start != "" {
		after = before(r.start)
	}
	r.more = true
	r.mu.Unlock()
	if after != "" {
		in.StartAfter = aws.String(after)
	}
	for {
		reqAfter := aws.ToString(in.StartAfter)
		if in.ContinuationToken != nil {
			reqAfter = ""
		}
		if err := sluice.ContextError(ctx); err != nil {
			return l.fail(ctx, reqAfter, err)
		}
		if r.ended() {
			return nil
		}
		in.MaxKeys = aws.Int32(int32(r.pageSize(pageSize)))
		out, err := l.list(ctx, &in)
		if err != nil {
			return l.fail(ctx, reqAfter, err)
		}
		truncated := aws.ToBool(out.IsTruncated)
		r.fetched(out.Contents, truncated)
		for {
			if err := sluice.ContextError(ctx); err != nil {
				r.mu.Lock()
				last := r.last
				r.mu.Unlock()
				return l.fail(ctx, last, err)
			}
			o, ok, end := r.next()
			if end {
				return nil
			}
			if !ok {
				break
			}
			if !yield(Entry{Object: &o}, nil) {
				return nil
			}
		}
		if !truncated {
			r.finish()
			return nil
		}
		n := len(out.Contents)
		switch tok := aws.ToString(out.NextContinuationToken); {
		case tok != "":
			in.ContinuationToken = aws.String(tok)
		case n > 0:
			// Truncated without a token: continue after the last key,
			// as listing.pages does.
			in.ContinuationToken = nil
			in.StartAfter = out.Contents[n-1].Key
		default:
			return l.fail(ctx, reqAfter, errNoToken)
		}
	}
}

// pageSizeOf returns the page size of a request of in.
func pageSizeOf(in *s3.ListObjectsV2Input) int {
	if n := aws.ToInt32(in.MaxKeys); n > 0 {
		return int(n)
	}
	return 1000 // S3's default and maximum
}

// ended reports whether nothing of the shard can be left: its End at its
// Start (an empty shard, or one given away whole by Split), or just after
// the last key yielded. It marks the reader done.
func (r *Reader) ended() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.end != "" && (r.end <= r.start || (r.last != "" && successor(r.last) >= r.end)) {
		r.done, r.more = true, false
	}
	return r.done
}

// pageSize returns the MaxKeys of the next request: a page, or, near a
// bounded End, the keys the density of the last page says are left and a
// margin, as the concurrent listing's last request of a range asks
// (scheduler.lastPageSize): S3 cannot stop a page at a key.
func (r *Reader) pageSize(page int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.end == "" || r.wN < 2 || r.last == "" {
		return page
	}
	left := r.sample(r.last).keysLeft(page)
	if left < 0 || left >= page {
		return page
	}
	return min(page, max(left+left/4+16, page/10))
}

// sample returns what the reader has seen of its keys, from cur.
func (r *Reader) sample(cur string) sample {
	return sample{cur: cur, first: r.wFirst, last: r.wLast, n: r.wN, hi: r.end, bounded: r.end != "", prefix: r.s.l.prefix}
}

// fetched takes in the objects of a page, those before the shard left out.
func (r *Reader) fetched(objs []types.Object, truncated bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := 0
	for i < len(objs) && (aws.ToString(objs[i].Key) < r.start || (r.last != "" && aws.ToString(objs[i].Key) <= r.last)) {
		i++
	}
	r.buf = objs[i:]
	r.listed, r.more = true, truncated
	if n := len(objs); truncated && n >= 2 {
		r.wFirst, r.wLast, r.wN = aws.ToString(objs[0].Key), aws.ToString(objs[n-1].Key), n
		r.wSamples = r.wSamples[:0]
		for _, i := range []int{0, n / 4, n / 2, 3 * n / 4, n - 1} {
			r.wSamples = append(r.wSamples, aws.ToString(objs[i].Key))
		}
	}
}

// next takes the next object of the page out of buf and records it as
// yielded, as one step under the lock, so that a Split sees either the
// object unread or its key as the last yielded. It returns ok=false when
// the page is spent, and end=true when the next key is at or past End.
func (r *Reader) next() (o types.Object, ok, end bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) == 0 {
		return o, false, false
	}
	o = r.buf[0]
	k := aws.ToString(o.Key)
	if r.end != "" && k >= r.end {
		r.buf, r.more, r.done = nil, false, true
		return types.Object{}, false, true
	}
	r.buf = r.buf[1:]
	r.last, r.cursor = k, cursor.Format(k)
	return o, true, false
}

// finish marks the reader done: the last page is yielded.
func (r *Reader) finish() {
	r.mu.Lock()
	r.buf, r.more, r.done = nil, false, true
	r.mu.Unlock()
}

// Split gives away the part of the shard not yet yielded, keeping about
// keep of it (0 <= keep < 1): it returns [p, End) and narrows the reader
// to end before p. It picks p among the keys of the page already
// fetched when that page has keys not yet yielded and the share kept
// ends inside it; else at a key estimated from the density of the last
// page, between the reader's position and End; else right after the
// last key yielded (or at Start), giving away all the rest. A shard
// without End (the listing's last) has nothing to estimate toward, so
// a Split that keeps a share of it first sends the one-key requests
// that Sharder.Split sends to find about where the listing ends (a few,
// bounded by ctx; All goes on meanwhile); otherwise Split sends no
// request. It returns shard.ErrNoSplit when nothing is left: All has
// reached End or the listing's last key, or End is just past the last
// key yielded.
func (r *Reader) Split(ctx context.Context, keep float64) (shard.Shard, error) {
	if math.IsNaN(keep) || keep < 0 || keep >= 1 {
		return shard.Shard{}, fmt.Errorf("s3list: Reader.Split(%v): keep must be in [0, 1)", keep)
	}
	if err := sluice.ContextError(ctx); err != nil {
		return shard.Shard{}, err
	}
	if keep > 0 {
		if err := r.guessEnd(ctx); err != nil {
			return shard.Shard{}, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return shard.Shard{}, shard.ErrNoSplit
	}
	unread, more := r.buf, r.more
	for i, o := range unread {
		if r.end != "" && aws.ToString(o.Key) >= r.end {
			unread, more = unread[:i], false // the page passes End
			break
		}
	}
	var p string
	switch {
	case len(unread) > 0:
		total := len(unread)
		lastUnread := aws.ToString(unread[len(unread)-1].Key)
		if hi := r.hi(lastUnread); more && hi != "" {
			if left := r.sampleTo(lastUnread, hi).keysLeft(math.MaxInt32); left > 0 {
				total += left
			}
		}
		kept := int(keep * float64(total))
		if kept < len(unread) {
			p = aws.ToString(unread[kept].Key)
			break
		}
		// The share kept ends past the page: cut further on, if the
		// reader can tell where, else right after the page.
		p = r.estimatedCut(lastUnread, float64(kept-len(unread))/float64(total-len(unread)))
		if p == "" {
			p = successor(lastUnread)
		}
	case r.listed && !more:
		return shard.Shard{}, shard.ErrNoSplit
	default:
		lo := r.last
		if keep > 0 && lo != "" {
			p = r.estimatedCut(lo, keep)
		}
		switch {
		case p != "":
		case lo != "":
			p = successor(lo)
		case r.start != "":
			p = r.start
		case r.s.l.prefix != "":
			p = r.s.l.prefix
		default:
			p = "\x00" // the least key
		}
	}
	if r.end != "" && p >= r.end {
		return shard.Shard{}, shard.ErrNoSplit
	}
	res := shard.Shard{Source: r.s.id, Start: p, End: r.end}
	r.end = p
	return res, nil
}

// estimatedCut returns a key about frac of the way from lo to the
// shard's end (End, or the guess of the listing's last key), as the
// density of the last page numbers keys (see keyspace), or "" if there
// is none strictly between them.
func (r *Reader) estimatedCut(lo string, frac float64) string {
	hi := r.hi(lo)
	if hi == "" || r.wN < 2 || frac <= 0 {
		return ""
	}
	ks := newKeyspace(r.s.l.prefix, append([]string{lo, r.wFirst, r.wLast, hi}, r.wSamples...)...)
	v := between(ks.value(lo), ks.value(hi), frac)
	k, ok := ks.key(v)
	if !ok || k <= lo || k >= hi || !strings.HasPrefix(k, r.s.l.prefix) || !utf8.ValidString(k) {
		return ""
	}
	return k
}

// hi returns where the shard's keys after lo end, to estimate cuts:
// End, or, for a shard without one, the guess of the listing's last key
// if it lies after lo; else "".
func (r *Reader) hi(lo string) string {
	switch {
	case r.end != "":
		return r.end
	case r.endGuess > lo:
		return r.endGuess
	}
	return ""
}

// sampleTo returns what the reader has seen of its keys, from cur, for
// keys up to hi.
func (r *Reader) sampleTo(cur, hi string) sample {
	s := r.sample(cur)
	s.hi, s.bounded = hi, true
	return s
}

// guessEnd finds about where the listing ends, for a Split of a shard
// without End that keeps a share of the rest: without it, such a shard
// knows no more of its rest than its fetched page, and would keep that
// page and give away everything after it. It sends the one-key requests
// Split's planner sends (findEnd), from the greatest key fetched, with a
// keyspace fit to the last full page, outside the reader's lock so that
// All goes on meanwhile; a guess is kept until the reader passes it.
func (r *Reader) guessEnd(ctx context.Context) error {
	r.mu.Lock()
	from := r.wLast
	if len(r.buf) > 0 {
		from = max(from, aws.ToString(r.buf[len(r.buf)-1].Key))
	}
	need := r.end == "" && !r.done && r.more && r.wN >= 2 && from != "" && r.endGuess <= max(r.last, from)
	e := estimator{base: r.s.l.prefix, firstKey: r.wFirst, pageLast: r.wLast}
	if need {
		e.fit(append([]string{from}, r.wSamples...)...)
	}
	r.mu.Unlock()
	if !need || e.last.Cmp(e.first) <= 0 {
		return nil
	}
	in := r.s.l.in
	if err := r.s.findEnd(ctx, &in, &e, from); err != nil {
		return err
	}
	r.mu.Lock()
	r.endGuess = max(r.endGuess, e.endKey)
	r.mu.Unlock()
	return nil
}

// between returns lo + frac × (hi - lo), rounded down.
func between(lo, hi *big.Int, frac float64) *big.Int {
	const scale = 1 << 20
	d := new(big.Int).Sub(hi, lo)
	d.Mul(d, big.NewInt(int64(frac*scale)))
	d.Quo(d, big.NewInt(scale))
	return d.Add(d, lo)
}

// Shard returns the shard as it now stands: End narrowed by Split,
// Cursor the cursor of the last object All yielded, or the one the
// reader was opened with.
func (r *Reader) Shard() shard.Shard {
	r.mu.Lock()
	defer r.mu.Unlock()
	return shard.Shard{Source: r.s.id, Start: r.start, End: r.end, Cursor: r.cursor}
}
