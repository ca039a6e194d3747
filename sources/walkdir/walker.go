package walkdir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/sluice-go/sluice"
)

// readAhead is how many directories each worker may have read, or be
// reading, ahead of the walk: it bounds the memory of a parallel walk to
// that many directory listings beyond those on the current path.
const readAhead = 8

// A walk is the checked arguments of All, Stream, Dir or DirStream.
// It is read, never written, by the walkers that range it, which may run
// at the same time.
type walk struct {
	fsys   fs.FS // nil for Dir
	isOS   bool
	root   string
	opts   Options
	after  []string // cursor: names below root; nil without After
	follow bool
	// rootClean: root is a clean path, so join may append to it.
	rootClean bool
	// from: after names a shard's Start, which the walk yields, rather
	// than a cursor, which it passes (shard.go).
	from bool
}

// A walker is one range of a walk.
type walker struct {
	*walk
	ctx  context.Context
	done <-chan struct{}
	pf   *prefetcher // nil unless Workers > 1
	// end: a shard's reader, which ends the walk at its End; or nil.
	end *shardReader
}

// A dirNode is a directory the walk reads.
type dirNode struct {
	path   string
	depth  int
	parent *dirNode
	info   fs.FileInfo // with FollowSymlinks: os.Stat of path, for loops
}

// A listing is what reading a directory gave.
type listing struct {
	ents []Entry
	err  error
}

// newWalk checks the arguments of a walk, before any I/O, and keeps a
// copy of them.
func newWalk(fsys fs.FS, isOS bool, root string, opts *Options) (*walk, error) {
	wk := &walk{fsys: fsys, isOS: isOS, root: root}
	if opts != nil {
		wk.opts = *opts
	}
	if !isOS && fsys == nil {
		return nil, errNilFS
	}
	if n := wk.opts.MaxDepth; n < 0 {
		return nil, fmt.Errorf("walkdir: Options.MaxDepth is %d; want 0 or more", n)
	}
	if n := wk.opts.Workers; n < 0 {
		return nil, fmt.Errorf("walkdir: Options.Workers is %d; want 0 or more", n)
	}
	if wk.opts.After != "" {
		after, err := decodeCursor(wk.opts.After, root, isOS)
		if err != nil {
			return nil, err
		}
		wk.after = after
	}
	wk.follow = isOS && wk.opts.FollowSymlinks
	if isOS {
		wk.rootClean = filepath.Clean(root) == root
	} else {
		wk.rootClean = path.Clean(root) == root
	}
	return wk, nil
}

// all returns the iterator of the walk: each range runs a walker.
func (wk *walk) all(ctx context.Context) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		w := &walker{walk: wk, ctx: ctx, done: ctx.Done()}
		w.run(yield)
	}
}

// join returns the path of the entry name of the directory n, as
// path.Join (or filepath.Join for Dir) would, without its cost: below a
// clean path, a plain name is only appended.
func (w *walk) join(n *dirNode, name string) string {
	if prefix, ok := w.prefix(n); ok && w.plainName(name) {
		return prefix + name
	}
	if w.isOS {
		return filepath.Join(n.path, name)
	}
	return path.Join(n.path, name)
}

// prefix returns the path of n followed by a separator, and whether a
// plain name (plainName) may simply be appended to it.
func (w *walk) prefix(n *dirNode) (string, bool) {
	sep := byte('/')
	if w.isOS {
		sep = filepath.Separator
	}
	p := n.path
	if (n.depth > 0 || w.rootClean) && p != "." && p != "" && p[len(p)-1] != sep {
		return p + string(sep), true
	}
	return "", false
}

// plainName reports whether name joins to a directory's path unchanged.
func (w *walk) plainName(name string) bool {
	return name != "" && name != "." && name != ".." &&
		strings.IndexByte(name, '/') < 0 && (!w.isOS || strings.IndexByte(name, filepath.Separator) < 0)
}

// descends reports whether the walk reads a directory at depth.
func (w *walk) descends(depth int) bool {
	return w.opts.MaxDepth == 0 || depth < w.opts.MaxDepth
}

// ctxErr returns the error the walk ends with when ctx is done, or nil.
func (w *walker) ctxErr() error {
	if err := sluice.ContextError(w.ctx); err != nil {
		return wrap(err)
	}
	return nil
}

// stat returns the entry of root.
func (w *walker) stat() (fs.DirEntry, fs.FileInfo, error) {
	var info fs.FileInfo
	var err error
	switch {
	case !w.isOS:
		info, err = fs.Stat(w.fsys, w.root)
	case w.follow:
		info, err = os.Stat(w.root)
	default:
		info, err = os.Lstat(w.root)
	}
	if err != nil {
		return nil, nil, pathError("stat", w.root, err)
	}
	return fs.FileInfoToDirEntry(info), info, nil
}

// readDir reads the directory n and builds its entries (paths, types,
// depth), sorted by name as fs.ReadDir sorts. It is called by the walking
// goroutine or by a worker: with Workers above 1 the workers build whole
// directories, so that the walk only hands them over (issue 13).
func (w *walker) readDir(n *dirNode) listing {
	if !w.isOS {
		ds, err := fs.ReadDir(w.fsys, n.path) // sorted already
		return listing{w.entries(n, ds), pathError("readdir", n.path, err)}
	}
	if w.follow && n.info == nil {
		info, err := os.Stat(n.path)
		if err != nil {
			return listing{err: err}
		}
		n.info = info
	}
	ents, err := w.readOS(n)
	if w.follow {
		w.resolve(n, ents)
	}
	return listing{ents, err}
}

// entries returns the entries of the directory n named by ds, in the
// same order.
func (w *walk) entries(n *dirNode, ds []fs.DirEntry) []Entry {
	if len(ds) == 0 {
		return nil
	}
	ents := make([]Entry, len(ds))
	depth := n.depth + 1
	prefix, plain := w.prefix(n)
	for i, d := range ds {
		name := d.Name()
		p := prefix + name
		if !plain || !w.plainName(name) {
			p = w.join(n, name)
		}
		ents[i] = Entry{Path: p, DirEntry: d, Depth: depth}
	}
	return ents
}

// pathError makes sure err names the path it is about, as *fs.PathError.
func pathError(op, name string, err error) error {
	var pe *fs.PathError
	if err == nil || errors.As(err, &pe) {
		return err
	}
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// decide applies the answer of OnError (or its default) to err: it
// returns nil to go on, fs.SkipDir or fs.SkipAll, or the terminal error.
func (w *walker) decide(name string, err error) error {
	if err := w.ctxErr(); err != nil {
		return err // a read cut short by the cancellation: not OnError's
	}
	if w.opts.OnError != nil {
		err = w.opts.OnError(name, err)
	}
	if err == nil || err == fs.SkipDir || err == fs.SkipAll {
		return err
	}
	return wrap(err)
}

// wrap prefixes the error that ends a walk with the package name.
func wrap(err error) error { return fmt.Errorf("walkdir: %w", err) }

// A loopEntry is a symbolic link that leads back to an ancestor of the
// directory holding it: it is yielded as the link, and not walked.
type loopEntry struct {
	fs.DirEntry
	err error
}

// resolve replaces, in ents of the directory n, each symbolic link by
// its target, as os.Stat sees it, keeping the link's name and path: a
// link to a directory becomes a directory the walk reads. A link whose
// target cannot be read (a dangling link) stays a link. A link to n or
// one of its ancestors becomes a loopEntry.
func (w *walker) resolve(n *dirNode, ents []Entry) {
	for i := range ents {
		e := &ents[i]
		if e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		info, err := os.Stat(e.Path)
		if err != nil {
			continue
		}
		if info.IsDir() && loops(n, info) {
			e.DirEntry = loopEntry{e.DirEntry, &fs.PathError{Op: "follow", Path: e.Path, Err: ErrLoop}}
			continue
		}
		e.DirEntry = fs.FileInfoToDirEntry(info) // os.Stat names it as the link
	}
}

// loops reports whether the directory info is n or one of its ancestors.
func loops(n *dirNode, info fs.FileInfo) bool {
	for ; n != nil; n = n.parent {
		if n.info != nil && os.SameFile(n.info, info) {
			return true
		}
	}
	return false
}
