package walkdir

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cursor"
	"github.com/sluice-go/sluice/shard"
)

// A shardReader reads one shard of a Sharder: a walk that starts at the
// shard's Start (or after its Cursor), through the pruning of After, and
// stops before its End, which Split may narrow while the walk runs.
type shardReader struct {
	s    *Sharder
	wk   *walk // the walk from Start or after Cursor
	used atomic.Bool

	mu     sync.Mutex
	sh     shard.Shard // End narrowed by Split
	last   string      // the position of the last entry yielded, or ""
	path   string      // its path, for Shard's Cursor
	ended  bool        // All has returned
	splits int         // how many Splits narrowed End
}

// All returns an iterator over the entries of the shard, in walk order:
// from its Start, or strictly after its Cursor, to its End, or to the
// point of the last Split. Options.Filter, OnError, MaxDepth and
// FollowSymlinks act as in Dir (see the package documentation, "Shards",
// for what a Filter's fs.SkipDir and fs.SkipAll end). It returns a
// single-use iterator.
func (r *shardReader) All(ctx context.Context) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		if r.used.Swap(true) {
			yield(Entry{}, sluice.ErrReused)
			return
		}
		defer func() {
			r.mu.Lock()
			r.ended = true
			r.mu.Unlock()
		}()
		w := &walker{walk: r.wk, ctx: ctx, done: ctx.Done(), end: r}
		w.run(func(e Entry, err error) bool {
			if err == nil && !r.admit(&e) {
				return false // End: the walk ends there, without error
			}
			return yield(e, err)
		})
	}
}

// admit reports whether e, the next entry of the walk, lies before End,
// and if so records it as yielded: at once, under the lock Split takes,
// so that a Split never cuts behind an entry on its way to the consumer.
func (r *shardReader) admit(e *Entry) bool {
	p := r.s.pos(e)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sh.End != "" && r.s.compare(p, r.sh.End) >= 0 {
		return false
	}
	r.last, r.path = p, e.Path
	return true
}

// before returns how many of ents, entries of one directory in walk
// order, lie before End: the walk's hook that keeps a listing, and so
// Filter, within the shard.
func (r *shardReader) before(ents []Entry) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sh.End == "" {
		return len(ents)
	}
	return sort.Search(len(ents), func(i int) bool { return r.s.compare(r.s.pos(&ents[i]), r.sh.End) >= 0 })
}

// past reports whether e lies at or after End: the walk's hook for an
// entry it walks without yielding (Filter answered sluice.Skip), so that
// it does not walk a subtree a Split gave away.
func (r *shardReader) past(e Entry) bool {
	p := r.s.pos(&e)
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sh.End != "" && r.s.compare(p, r.sh.End) >= 0
}

// Shard returns the shard as it now stands: End narrowed by Split, Cursor
// that of the last entry All yielded, or the one the shard was opened
// with.
func (r *shardReader) Shard() shard.Shard {
	r.mu.Lock()
	defer r.mu.Unlock()
	sh := r.sh
	if r.last != "" {
		sh.Cursor = cursor.Format(r.path)
	}
	return sh
}

// Split gives away the part of the shard All has not yet yielded, or
// about the fraction 1-keep of it: it returns that part as a new shard
// [p, End) and narrows this reader to end at p. With keep 0, p is the
// entry that follows the last one yielded; otherwise Split reads the
// directories on the way from that entry to End, and below them, as
// Sharder.Split reads a tree, and picks the boundary between entries
// nearest to keep of the remainder. It returns shard.ErrNoSplit when no
// entry of the walk (before Filter) is left before End, or when All has
// returned.
func (r *shardReader) Split(ctx context.Context, keep float64) (shard.Shard, error) {
	if !(keep >= 0 && keep < 1) {
		return shard.Shard{}, fmt.Errorf("walkdir: Split(%v): keep must be in [0, 1)", keep)
	}
	reads := 0
	if keep > 0 {
		reads = splitReads
	}
	for {
		if err := sluice.ContextError(ctx); err != nil {
			return shard.Shard{}, err
		}
		r.mu.Lock()
		lo, in := r.last, false
		switch {
		case lo != "":
		case r.sh.Cursor != "":
			lo = r.s.join(r.wk.after)
		default:
			lo, in = cmp.Or(r.sh.Start, "."), true
		}
		end, ended, splits := r.sh.End, r.ended, r.splits
		r.mu.Unlock()
		if ended {
			return shard.Shard{}, shard.ErrNoSplit
		}
		units, err := r.s.plan(ctx, lo, in, end, reads)
		if err != nil {
			return shard.Shard{}, err
		}
		if len(units) == 0 {
			return shard.Shard{}, shard.ErrNoSplit
		}
		i := nearest(units, keep*float64(total(units)), 0)
		r.mu.Lock()
		if r.ended {
			r.mu.Unlock()
			return shard.Shard{}, shard.ErrNoSplit
		}
		// All went on while the tree was read: cut at the first boundary
		// still ahead of it. Each time round the remainder is smaller.
		for r.last != "" && i < len(units) && r.s.compare(units[i].pos, r.last) <= 0 {
			i++
		}
		if i == len(units) || r.splits != splits {
			r.mu.Unlock()
			continue // All went past the remainder read, or another Split narrowed End
		}
		p := units[i].pos
		res := shard.Shard{Source: r.s.source, Start: p, End: r.sh.End}
		r.sh.End = p
		r.splits++
		r.mu.Unlock()
		return res, nil
	}
}
