package walkdir

import (
	"container/heap"
	"slices"
	"sync"
)

// A future is a directory being read, or read, ahead of the walk.
type future struct {
	node *dirNode
	key  []int32 // indexes of the names from root: the walk order
	pos  int     // in the queue; -1 once a worker or the walk took it
	lst  listing
	done chan struct{} // closed when lst is set
}

// A prefetcher reads directories ahead of the walk on a fixed number of
// goroutines. The walking goroutine alone schedules reads, and never
// more than window of them may be unconsumed at once: that, not the size
// of the tree, bounds the listings held in memory. The workers take the
// scheduled directory that comes first in walk order, so that the one
// the walk needs next is never stuck behind reads it needs later.
type prefetcher struct {
	mu       sync.Mutex
	cond     sync.Cond
	queue    queue
	quit     bool
	wg       sync.WaitGroup
	inflight int // scheduled and not yet consumed by the walk
	window   int
}

// startPrefetch starts the workers of w. The caller must call stop.
func (w *walker) startPrefetch() *prefetcher {
	n := w.opts.Workers
	p := &prefetcher{window: n * readAhead}
	p.cond.L = &p.mu
	p.wg.Add(n)
	for range n {
		go func() {
			defer p.wg.Done()
			for {
				p.mu.Lock()
				for len(p.queue) == 0 && !p.quit {
					p.cond.Wait()
				}
				if p.quit {
					p.mu.Unlock()
					return
				}
				fut := heap.Pop(&p.queue).(*future)
				p.mu.Unlock()
				fut.lst = w.readDir(fut.node)
				close(fut.done)
			}
		}()
	}
	return p
}

// stop ends the workers and waits for them: a worker inside a read
// finishes it first. Directories still queued are never read.
func (p *prefetcher) stop() {
	p.mu.Lock()
	p.quit = true
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
}

// fill schedules reads of the directories that come next in the walk
// until window reads are outstanding: the remaining subdirectories of
// the innermost directory, then those of its parent, and so on.
func (p *prefetcher) fill(w *walker, stack []frame) {
	if p.inflight >= p.window {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	added := 0
	for k := len(stack) - 1; k >= 0 && p.inflight < p.window; k-- {
		f := &stack[k]
		f.next = max(f.next, f.i)
		for ; f.next < len(f.ents) && p.inflight < p.window; f.next++ {
			d := f.ents[f.next]
			depth := f.node.depth + 1
			if !d.IsDir() || !w.descends(depth) {
				continue
			}
			if f.futs == nil {
				f.futs = make([]*future, len(f.ents))
			}
			fut := &future{
				node: &dirNode{path: w.join(f.node, d.Name()), depth: depth, parent: f.node},
				key:  append(slices.Clip(f.key), int32(f.next)),
				done: make(chan struct{}),
			}
			f.futs[f.next] = fut
			p.inflight++
			heap.Push(&p.queue, fut)
			added++
		}
	}
	for range added {
		p.cond.Signal()
	}
}

// wait returns the listing of fut: it reads the directory itself if no
// worker has started to, rather than wait for one. It returns the error
// that ends the walk if ctx is done first.
func (p *prefetcher) wait(w *walker, fut *future) (listing, error) {
	p.inflight--
	p.mu.Lock()
	if fut.pos >= 0 {
		heap.Remove(&p.queue, fut.pos)
		p.mu.Unlock()
		return w.readDir(fut.node), nil
	}
	p.mu.Unlock()
	select {
	case <-fut.done:
		return fut.lst, nil
	case <-w.done:
		return listing{}, w.ctxErr()
	}
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
