package walkdir

import (
	"io/fs"
	"slices"
	"sort"
)

// A frame is a directory on the current path of the walk: its entries,
// filtered, and how far the walk has come through them.
type frame struct {
	node *dirNode
	ents []fs.DirEntry
	i    int       // next entry to yield
	end  error     // after the last entry: fs.SkipAll or a terminal error
	futs []*future // read-ahead of the subdirectories, by index; or nil
	next int       // next entry to consider for read-ahead
	key  []int32   // with read-ahead: the indexes of the names from root

	// With After, the entry on the path to the cursor: it is not yielded
	// (a run before this one did), but walked, after the names in rest.
	resume int
	rest   []string
}

// run walks the tree, yielding each entry in order.
func (w *walker) run(yield func(Entry, error) bool) {
	fail := func(err error) { yield(Entry{}, err) }
	if err := w.ctxErr(); err != nil {
		fail(err)
		return
	}
	d, info, err := w.stat()
	if err != nil {
		fail(wrap(err))
		return
	}
	e := Entry{Path: w.root, DirEntry: d}
	if w.opts.Filter != nil {
		switch err := w.opts.Filter(e); err {
		case nil:
		case fs.SkipDir, fs.SkipAll:
			return
		default:
			fail(wrap(err))
			return
		}
	}
	if w.after == nil && !yield(e, nil) {
		return
	}
	if !d.IsDir() || !w.descends(0) {
		return
	}
	if w.opts.Workers > 1 {
		w.pf = w.startPrefetch()
		defer w.pf.stop()
	}
	root := &dirNode{path: w.root}
	if w.follow {
		root.info = info
	}
	stack := make([]frame, 0, 16)
	f, err := w.enter(root, w.after, w.readDir(root))
	if err != nil {
		if err != fs.SkipAll && err != fs.SkipDir {
			fail(err)
		}
		return
	}
	stack = append(stack, f)
	dirty := true // the stack or the read-ahead has changed: fill again
	for len(stack) > 0 {
		if dirty && w.pf != nil {
			w.pf.fill(w, stack)
			dirty = false
		}
		f := &stack[len(stack)-1]
		if f.i >= len(f.ents) {
			if f.end != nil {
				if f.end != fs.SkipAll {
					fail(f.end)
				}
				return
			}
			stack[len(stack)-1] = frame{} // release its listing
			stack = stack[:len(stack)-1]
			continue
		}
		j := f.i
		f.i++
		d := f.ents[j]
		if w.done != nil {
			select {
			case <-w.done:
				fail(w.ctxErr())
				return
			default:
			}
		}
		var fut *future
		if f.futs != nil {
			fut, f.futs[j] = f.futs[j], nil // its listing goes to the child's frame
		}
		var p string
		depth := f.node.depth + 1
		if fut != nil {
			p = fut.node.path
		} else {
			p = w.join(f.node, d.Name())
		}
		var after []string
		if j == f.resume {
			after = f.rest
		} else if !yield(Entry{Path: p, DirEntry: d, Depth: depth}, nil) {
			return
		}
		if l, ok := d.(loopEntry); ok {
			switch err := w.decide(p, l.err); err {
			case nil, fs.SkipDir:
				continue
			case fs.SkipAll:
				return
			default:
				fail(err)
				return
			}
		}
		if !d.IsDir() || !w.descends(depth) {
			continue
		}
		var child *dirNode
		var lst listing
		if fut != nil {
			child = fut.node
			if lst, err = w.pf.wait(w, fut); err != nil {
				fail(err)
				return
			}
		} else {
			child = &dirNode{path: p, depth: depth, parent: f.node}
			lst = w.readDir(child)
		}
		dirty = true
		nf, err := w.enter(child, after, lst)
		switch err {
		case nil:
			if fut != nil {
				nf.key = fut.key
			} else if w.pf != nil {
				nf.key = append(slices.Clip(f.key), int32(j))
			}
			stack = append(stack, nf)
		case fs.SkipDir:
		case fs.SkipAll:
			return
		default:
			fail(err)
			return
		}
	}
}

// enter makes the frame of the directory n from its listing: it handles
// a read error, skips the entries before the cursor path after, if any,
// and applies the filter. It returns fs.SkipDir or fs.SkipAll for a
// directory OnError skipped, or the error that ends the walk.
func (w *walker) enter(n *dirNode, after []string, lst listing) (frame, error) {
	f := frame{node: n, ents: lst.ents, resume: -1}
	if lst.err != nil {
		if err := w.decide(n.path, lst.err); err != nil {
			return f, err
		}
	}
	if len(after) > 0 {
		name := after[0]
		f.i = sort.Search(len(f.ents), func(i int) bool { return f.ents[i].Name() >= name })
		if f.i < len(f.ents) && f.ents[f.i].Name() == name {
			f.resume, f.rest = f.i, after[1:]
		}
	}
	if w.opts.Filter != nil {
		w.filter(&f)
	}
	return f, nil
}

// filter applies Options.Filter to the entries of f not yet yielded,
// in place.
func (w *walker) filter(f *frame) {
	out, resume := f.i, -1
	for j := f.i; j < len(f.ents); j++ {
		d := f.ents[j]
		e := Entry{Path: w.join(f.node, d.Name()), DirEntry: d, Depth: f.node.depth + 1}
		err := w.opts.Filter(e)
		if err == nil {
			if j == f.resume {
				resume = out
			}
			f.ents[out] = d
			out++
			continue
		}
		if err == fs.SkipDir && d.IsDir() {
			continue
		}
		if err != fs.SkipDir {
			f.end = err
			if err != fs.SkipAll {
				f.end = wrap(err)
			}
		}
		break
	}
	f.ents, f.resume = f.ents[:out], resume
}
