package walkdir

import (
	"container/heap"
	"slices"
	"sync"
)

// A future is a directory to be read, being read, or read ahead of the
// walk.
type future struct {
	node  *dirNode
	key   []int32  // indexes of the names from root: the walk order
	after []string // with After: the names below node on the cursor's path
	pos   int      // in the queue; -1 once a worker or the walk took it

	// Set by the worker that read it, under the prefetcher's lock.
	ready    bool
	lst      listing
	expanded bool      // kids are scheduled: the walk need not
	kids     []*future // the subdirectories the walk reads, in order
}

// index returns the place of fut's directory among its parent's entries.
func (fut *future) index() int { return int(fut.key[len(fut.key)-1]) }

// A prefetcher reads directories ahead of the walk on a fixed number of
// goroutines, and builds their entries. Without a Filter, a worker that
// has read a directory schedules its subdirectories itself, so that the
// workers run ahead of the walk without waiting for it (issue 13: when
// the walk scheduled every read, the workers were asleep when it needed
// the next directory, and it read most of them itself). With a Filter,
// which only the walking goroutine may call, the walk schedules the
// subdirectories of a directory once it has filtered it, so that no
// directory the Filter leaves out is read.
//
// At most window directories read by the workers may wait for the walk at
// once: that, not the size of the tree, bounds the listings held in
// memory. The workers take the scheduled directory that comes first in
// walk order, so that the one the walk needs next is never stuck behind
// reads it needs later, and the walk reads a directory itself when no
// worker has started it.
type prefetcher struct {
	mu       sync.Mutex
	work     sync.Cond // the workers wait for work, or for room
	walk     sync.Cond // the walk waits for a read
	waiting  *future   // what the walk waits for, or nil
	queue    queue
	quit     bool
	idle     int // workers waiting on work and not yet woken
	inflight int // taken by a worker and not yet consumed by the walk
	window   int
	expand   bool // the workers schedule subdirectories
	wg       sync.WaitGroup
}

// startPrefetch starts the workers of w. The caller must call stop.
func (w *walker) startPrefetch() *prefetcher {
	n := w.opts.Workers
	p := &prefetcher{window: n * readAhead, expand: w.opts.Filter == nil}
	p.work.L = &p.mu
	p.walk.L = &p.mu
	p.wg.Add(n)
	for range n {
		go p.worker(w)
	}
	return p
}

func (p *prefetcher) worker(w *walker) {
	defer p.wg.Done()
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		for !p.quit && (len(p.queue) == 0 || p.inflight >= p.window) {
			p.idle++
			p.work.Wait()
		}
		if p.quit {
			return
		}
		p.take(w)
	}
}

// take reads the directory on top of the queue, which it pops, and
// publishes its listing and, unless a Filter must see them first, its
// subdirectories. It is called, and returns, with p.mu held; it releases
// it while it reads.
func (p *prefetcher) take(w *walker) {
	fut := heap.Pop(&p.queue).(*future)
	p.inflight++
	p.mu.Unlock()
	lst := w.readDir(fut.node)
	var kids []*future
	expanded := p.expand && lst.err == nil
	if expanded {
		i, resume, rest := start(lst.ents, fut.after)
		kids = w.kids(fut.node, fut.key, lst.ents, i, resume, rest)
	}
	p.mu.Lock()
	fut.lst, fut.ready = lst, true
	fut.expanded, fut.kids = expanded, kids
	p.pushLocked(kids)
	if p.waiting == fut {
		p.walk.Signal()
	}
}

// stop ends the workers and waits for them: a worker inside a read
// finishes it first. Directories still queued are never read.
func (p *prefetcher) stop() {
	p.mu.Lock()
	p.quit = true
	p.idle = 0
	p.work.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
}

// kids returns the futures of the subdirectories among ents[i:] that the
// walk reads, ents being the entries of n. The one at index resume, if
// any, is on the path to the cursor, with the names rest below it.
func (w *walker) kids(n *dirNode, key []int32, ents []Entry, i, resume int, rest []string) []*future {
	var kids []*future
	key = slices.Clip(key)
	for j := i; j < len(ents); j++ {
		e := &ents[j]
		if !e.IsDir() || !w.descends(e.Depth) {
			continue
		}
		fut := &future{
			node: &dirNode{path: e.Path, depth: e.Depth, parent: n},
			key:  append(key, int32(j)),
		}
		if j == resume {
			fut.after = rest
		}
		kids = append(kids, fut)
	}
	return kids
}

// schedule queues the subdirectories among ents[i:], the entries of n
// as the walk has filtered them, and returns them.
func (p *prefetcher) schedule(w *walker, n *dirNode, key []int32, ents []Entry, i, resume int, rest []string) []*future {
	kids := w.kids(n, key, ents, i, resume, rest)
	if len(kids) > 0 {
		p.mu.Lock()
		p.pushLocked(kids)
		p.mu.Unlock()
	}
	return kids
}

// pushLocked queues kids and wakes as many idle workers as there is room
// for.
func (p *prefetcher) pushLocked(kids []*future) {
	for _, fut := range kids {
		heap.Push(&p.queue, fut)
	}
	p.wakeLocked()
}

// wakeLocked wakes idle workers if there is work for them and room.
func (p *prefetcher) wakeLocked() {
	n := min(p.idle, len(p.queue), p.window-p.inflight)
	for range n {
		p.work.Signal()
	}
	p.idle -= max(n, 0)
}

// wait returns the listing of fut: it reads the directory itself if no
// worker has started to, rather than wait for one. While a worker reads
// it, the walk reads the next directory in the queue, as a worker would,
// and sleeps only when there is none: on a tree of small directories the
// walk catches up with the workers at almost every directory, and
// sleeping there cost two goroutine switches a directory (issue 13). A
// read is not interrupted: the walk checks its context again once it
// returns.
func (p *prefetcher) wait(w *walker, fut *future) listing {
	p.mu.Lock()
	if fut.pos >= 0 {
		heap.Remove(&p.queue, fut.pos)
		p.mu.Unlock()
		return w.readDir(fut.node)
	}
	for !fut.ready {
		if len(p.queue) > 0 && p.inflight < p.window {
			p.take(w)
			continue
		}
		p.waiting = fut
		p.walk.Wait()
	}
	p.waiting = nil
	p.inflight--
	// Wake the workers a few at a time rather than on every directory
	// the walk consumes: each wake may cost a futex.
	if p.inflight <= p.window/2 {
		p.wakeLocked()
	}
	lst := fut.lst
	fut.lst = listing{}
	p.mu.Unlock()
	return lst
}

// A queue is a heap of futures, the first in walk order on top.
type queue []*future

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return slices.Compare(q[i].key, q[j].key) < 0 }
func (q queue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].pos, q[j].pos = i, j
}
func (q *queue) Push(x any) {
	f := x.(*future)
	f.pos = len(*q)
	*q = append(*q, f)
}
func (q *queue) Pop() any {
	old := *q
	f := old[len(old)-1]
	old[len(old)-1] = nil
	f.pos = -1
	*q = old[:len(old)-1]
	return f
}
