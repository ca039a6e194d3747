package walkdir

import (
	"context"
	"sort"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cancel"
)

// How much of a tree a Split reads to plan its cuts: this many
// directories, beside those on the path to where the range starts, and
// this many more for each shard asked for, stopping early once
// splitEntries entries have been listed. A tree no larger is read whole,
// and its cuts are exact.
const (
	splitReads         = 1024
	splitReadsPerShard = 64
	splitEntries       = 1 << 20
)

// A unit is a part of a range of the walk that a Split does not cut: an
// entry, or the whole subtree of a directory it did not read. Cuts fall
// between units, at the position of the unit that follows.
type unit struct {
	pos    string
	weight int // entries: 1, or the estimated size of an unread subtree
}

// A pnode is an entry of the tree as a plan has read it.
type pnode struct {
	pos  string
	dir  *dirNode // a directory the walk descends into; else nil
	in   bool     // the entry itself lies in the range
	read bool
	kids []*pnode // the entries of dir that lie in the range or lead to it
}

// A planner reads a range of the walk, breadth first and within a
// budget, to cut it.
type planner struct {
	s      *Sharder
	w      *walker // reads directories as the walk reads them
	lo     string  // the range starts at lo (in) or strictly after it
	in     bool
	hi     string // the range ends before hi; "" at the end of the walk
	counts map[int][2]int
}

// plan returns the units of the range of the walk that starts at lo
// (with in) or strictly after it, and ends before hi ("" for the end),
// in walk order. It reads the directories on the path to lo and, breadth
// first, at most reads more. A directory it cannot read counts as one
// entry: the reader of a shard reports it, through OnError.
func (s *Sharder) plan(ctx context.Context, lo string, in bool, hi string, reads int) ([]unit, error) {
	p := &planner{s: s, w: &walker{walk: s.wk, ctx: ctx, done: ctx.Done()}, lo: lo, in: in, hi: hi, counts: map[int][2]int{}}
	if err := p.w.ctxErr(); err != nil {
		return nil, err
	}
	d, info, err := p.w.stat()
	if err != nil {
		return nil, wrap(cancel.Prefer(ctx, err))
	}
	root := &pnode{pos: ".", in: p.inRange(".")}
	if d.IsDir() && s.wk.descends(0) {
		root.dir = &dirNode{path: s.wk.root}
		if s.wk.follow {
			root.dir.info = info
		}
	}
	var queue []*pnode
	if root.dir != nil {
		queue = append(queue, root)
	}
	entries := 0
	for len(queue) > 0 {
		n := queue[0]
		queue[0] = nil
		queue = queue[1:]
		onPath := !n.in // lo or above it: the range starts inside
		if !onPath && (reads <= 0 || entries >= splitEntries) {
			continue // left unread: its subtree is estimated
		}
		if err := sluice.ContextError(ctx); err != nil {
			return nil, err
		}
		if !onPath {
			reads--
		}
		lst := p.w.readDir(n.dir)
		n.read = true
		entries += len(lst.ents)
		c := p.counts[n.dir.depth+1]
		p.counts[n.dir.depth+1] = [2]int{c[0] + 1, c[1] + len(lst.ents)}
		for i := range lst.ents {
			e := &lst.ents[i]
			pos := s.pos(e)
			if hi != "" && s.compare(pos, hi) >= 0 {
				break
			}
			k := &pnode{pos: pos, in: p.inRange(pos)}
			if !k.in && !within(lo, pos, s.sep) {
				continue // before the range, and not on the way to it
			}
			if _, loop := e.DirEntry.(loopEntry); !loop && e.IsDir() && s.wk.descends(e.Depth) {
				k.dir = &dirNode{path: e.Path, depth: e.Depth, parent: n.dir}
				queue = append(queue, k)
			}
			n.kids = append(n.kids, k)
		}
	}
	return p.units(root, nil), nil
}

// inRange reports whether the entry at pos lies in the range.
func (p *planner) inRange(pos string) bool {
	c := p.s.compare(pos, p.lo)
	return (c > 0 || (c == 0 && p.in)) && (p.hi == "" || p.s.compare(pos, p.hi) < 0)
}

// units appends the units of the subtree of n, in walk order.
func (p *planner) units(n *pnode, out []unit) []unit {
	if n.in {
		w := 1
		if n.dir != nil && !n.read {
			w = p.estimate(n.dir.depth + 1)
		}
		out = append(out, unit{pos: n.pos, weight: w})
	}
	for _, k := range n.kids {
		out = p.units(k, out)
	}
	return out
}

// estimate returns the estimated size of the subtree of an unread
// directory whose entries lie at depth: the directory and the mean
// number of entries of the directories read at that depth, or at any
// depth when none was. It counts one level: the unread directories are
// those at the edge of a breadth-first read, where what is compared is
// mostly subtrees of a like depth.
func (p *planner) estimate(depth int) int {
	c, ok := p.counts[depth]
	if !ok {
		for _, d := range p.counts {
			c[0], c[1] = c[0]+d[0], c[1]+d[1]
		}
	}
	if c[0] == 0 {
		return 1
	}
	return 1 + (c[1]+c[0]/2)/c[0]
}

// total returns the weight of units.
func total(units []unit) int {
	t := 0
	for _, u := range units {
		t += u.weight
	}
	return t
}

// nearest returns the index, from from to len(units)-1, of the unit
// whose start (the weight of the units before it) is nearest to target,
// the earlier on a tie.
func nearest(units []unit, target float64, from int) int {
	best, bestd := from, -1.0
	acc := 0
	for i := range from {
		acc += units[i].weight
	}
	for i := from; i < len(units); i++ {
		d := float64(acc) - target
		if d < 0 {
			d = -d
		}
		if bestd >= 0 && d >= bestd {
			break // past the target: further ones are farther
		}
		best, bestd = i, d
		acc += units[i].weight
	}
	return best
}

// cuts returns up to n-1 positions that cut units into about even parts
// of weight, in walk order, each between two units.
func cuts(units []unit, n int) []string {
	if n < 2 || len(units) < 2 {
		return nil
	}
	start := make([]int, len(units)+1) // start[i]: the weight before units[i]
	for i, u := range units {
		start[i+1] = start[i] + u.weight
	}
	t := float64(start[len(units)])
	var out []string
	prev := 0
	for k := 1; k < n && prev < len(units)-1; k++ {
		target := t * float64(k) / float64(n)
		i := sort.Search(len(units), func(i int) bool { return float64(start[i]) >= target })
		if i > prev+1 && (i == len(units) || target-float64(start[i-1]) <= float64(start[i])-target) {
			i-- // the boundary below the target is nearer
		}
		i = min(max(i, prev+1), len(units)-1)
		out = append(out, units[i].pos)
		prev = i
	}
	return out
}
