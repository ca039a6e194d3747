package walkdir

import (
	"errors"
	"io/fs"
	"slices"
	"sort"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cancel"
)

// A frame is a directory on the current path of the walk: its entries,
// filtered, and how far the walk has come through them.
type frame struct {
	node *dirNode
	ents []Entry
	hide []bool // entries Filter answered sluice.Skip: walked, not yielded; or nil
	i    int    // next entry to yield
	end  error  // after the last entry: fs.SkipAll or a terminal error
	key  []int32
	kids []*future // with read-ahead: the subdirectories the walk reads, in order
	k    int       // next of kids

	// With After, the entry on the path to the cursor: it is not yielded
	// (a run before this one did), but walked, after the names in rest.
	resume int
	rest   []string
}

// errBreak ends a walk whose consumer broke its loop: nothing more may be
// yielded.
var errBreak = errors.New("walkdir: loop broken")

// run walks the tree, yielding each entry in order, then the error that
// ended the walk, if any.
func (w *walker) run(yield func(Entry, error) bool) {
	switch err := w.walkRoot(yield); err {
	case nil, errBreak, fs.SkipDir, fs.SkipAll:
	default:
		yield(Entry{}, err)
	}
}

// walkRoot yields root and, if it is a directory the walk reads, walks
// it. It returns the error that ends the walk, or fs.SkipDir, fs.SkipAll
// or errBreak for a walk that ends without one.
func (w *walker) walkRoot(yield func(Entry, error) bool) error {
	e, info, hide, err := w.rootEntry()
	if err != nil {
		return err
	}
	if w.after == nil && !hide && !yield(e, nil) {
		return errBreak
	}
	if !e.IsDir() || !w.descends(0) {
		return nil
	}
	if w.opts.Workers > 1 {
		w.pf = w.startPrefetch()
		defer w.pf.stop()
	}
	root := &dirNode{path: w.root}
	if w.follow {
		root.info = info
	}
	f, err := w.enter(root, w.after, w.readDir(root), &future{node: root})
	if err != nil {
		return err
	}
	return w.walkStack(yield, f)
}

// rootEntry stats root and asks Filter about it: hide is true when
// Filter answered sluice.Skip, and the error is fs.SkipAll when it
// answered fs.SkipDir or fs.SkipAll.
func (w *walker) rootEntry() (e Entry, info fs.FileInfo, hide bool, err error) {
	if err := w.ctxErr(); err != nil {
		return e, nil, false, err
	}
	d, info, err := w.stat()
	if err != nil {
		return e, nil, false, wrap(cancel.Prefer(w.ctx, err))
	}
	e = Entry{Path: w.root, DirEntry: d}
	if w.opts.Filter == nil {
		return e, info, false, nil
	}
	switch err := w.opts.Filter(e); err {
	case nil:
		return e, info, false, nil
	case sluice.Skip:
		return e, info, true, nil
	case fs.SkipDir, fs.SkipAll:
		return e, info, false, fs.SkipAll
	default:
		return e, info, false, wrap(err)
	}
}

// walkStack walks the directory f and, depth first, those below it: it
// yields the entries of the innermost directory on the stack until they
// run out, then goes back to its parent.
func (w *walker) walkStack(yield func(Entry, error) bool, f frame) error {
	stack := make([]frame, 1, 16)
	stack[0] = f
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.i >= len(f.ents) {
			if f.end != nil {
				return f.end
			}
			stack[len(stack)-1] = frame{} // release its listing
			stack = stack[:len(stack)-1]
			continue
		}
		child, err := w.next(yield, f)
		if err != nil {
			return err
		}
		if child.node != nil {
			stack = append(stack, child)
		}
	}
	return nil
}

// next takes the next entry of f: it yields it, unless Filter hid it or
// it is on the path to the cursor, and reads it if it is a directory the
// walk descends into. It returns the frame of that directory (a zero
// frame if there is none to walk) and the error that ends the walk.
func (w *walker) next(yield func(Entry, error) bool, f *frame) (frame, error) {
	j := f.i
	f.i++
	e := f.ents[j]
	select {
	case <-w.done:
		return frame{}, w.ctxErr()
	default:
	}
	var after []string
	switch {
	case j == f.resume:
		after = f.rest
	case f.hide != nil && f.hide[j]:
		if w.end != nil && w.end.past(e) {
			return frame{}, errBreak // not yielded, but past an End that Split narrowed
		}
	case !yield(e, nil):
		return frame{}, errBreak
	}
	if l, ok := e.DirEntry.(loopEntry); ok {
		if err := w.decide(e.Path, l.err); err != fs.SkipDir {
			return frame{}, err
		}
		return frame{}, nil
	}
	if !e.IsDir() || !w.descends(e.Depth) {
		return frame{}, nil
	}
	return w.descend(f, j, e.Path, after)
}

// descend reads the directory that is entry j of f, at path p, through
// its read-ahead if it has one, and returns its frame, resumed after the
// names after: a zero frame if OnError skipped it.
func (w *walker) descend(f *frame, j int, p string, after []string) (frame, error) {
	var fut *future
	var lst listing
	if f.k < len(f.kids) && f.kids[f.k].index() == j {
		fut = f.kids[f.k]
		f.kids[f.k] = nil // its listing goes to the child's frame
		f.k++
		lst = w.pf.wait(w, fut)
	} else {
		fut = &future{node: &dirNode{path: p, depth: f.node.depth + 1, parent: f.node}}
		if w.pf != nil {
			fut.key = append(slices.Clip(f.key), int32(j))
		}
		lst = w.readDir(fut.node)
	}
	nf, err := w.enter(fut.node, after, lst, fut)
	switch {
	case err == fs.SkipDir:
		return frame{}, nil
	case err != nil:
		return frame{}, err
	}
	return nf, nil
}

// enter makes the frame of the directory n from its listing: it handles
// a read error, skips the entries before the cursor path after, if any,
// applies the filter and, with read-ahead, schedules the subdirectories
// that no worker scheduled (fut holds n's place in the walk). It
// returns fs.SkipDir or fs.SkipAll for a directory OnError skipped, or
// the error that ends the walk.
func (w *walker) enter(n *dirNode, after []string, lst listing, fut *future) (frame, error) {
	f := frame{node: n, ents: lst.ents, resume: -1}
	if lst.err != nil {
		if err := w.decide(n.path, lst.err); err != nil {
			return f, err
		}
	}
	f.i, f.resume, f.rest = start(f.ents, after)
	if w.from && len(after) == 1 {
		f.resume, f.rest = -1, nil // a shard's Start: yielded, not passed
	}
	if w.end != nil {
		f.ents = f.ents[:f.i+w.end.before(f.ents[f.i:])] // Filter sees no entry past End
	}
	if w.opts.Filter != nil {
		w.filter(&f)
	}
	if w.pf != nil {
		f.key = fut.key
		if fut.expanded {
			f.kids = fut.kids
		} else {
			f.kids = w.pf.schedule(w, n, f.key, f.ents, f.i, f.resume, f.rest)
		}
	}
	return f, nil
}

// start returns where the walk of a directory of entries ents resumes
// after the names after: the first entry to walk, and, if it is the one
// on the path to the cursor, its index (else -1) and the names below it.
func start(ents []Entry, after []string) (i, resume int, rest []string) {
	if len(after) == 0 {
		return 0, -1, nil
	}
	name := after[0]
	i = sort.Search(len(ents), func(i int) bool { return ents[i].Name() >= name })
	if i < len(ents) && ents[i].Name() == name {
		return i, i, after[1:]
	}
	return i, -1, nil
}

// filter applies Options.Filter to the entries of f not yet yielded,
// in place: it drops those left out with fs.SkipDir, and keeps but hides
// those answered sluice.Skip, so that a directory is still walked.
func (w *walker) filter(f *frame) {
	out, resume := f.i, -1
	for j := f.i; j < len(f.ents); j++ {
		e := f.ents[j]
		err := w.opts.Filter(e)
		if err == nil || err == sluice.Skip {
			if j == f.resume {
				resume = out
			}
			if err == sluice.Skip {
				if f.hide == nil {
					f.hide = make([]bool, len(f.ents))
				}
				f.hide[out] = true
			}
			f.ents[out] = e
			out++
			continue
		}
		if err == fs.SkipDir && e.IsDir() {
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
