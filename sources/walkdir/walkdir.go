package walkdir

import (
	"context"
	"errors"
	"io/fs"
	"iter"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cursor"
)

// An Entry is one file or directory of a walk.
type Entry struct {
	// Path is the path of the entry as fs.WalkDir (for All and Stream)
	// or filepath.WalkDir (for Dir and DirStream) gives it: root joined
	// with the names below it.
	Path string

	// DirEntry describes the entry. For the root it is built from Stat
	// (Lstat for Dir) with fs.FileInfoToDirEntry. For a symbolic link
	// that Options.FollowSymlinks followed, it describes the target.
	fs.DirEntry

	// Depth is the number of names below root: 0 for root itself.
	Depth int
}

// Cursor returns where e stands in its walk, as an opaque string that
// Options.After accepts: a walk of the same root resumed after it yields
// exactly the entries that come after e.
func (e Entry) Cursor() string { return cursor.Format(e.Path) }

// Options configure a walk. A nil *Options means the defaults: the whole
// tree, no filter, stop at the first unreadable directory, one directory
// read at a time. All, Stream, Dir and DirStream check the options and
// copy them when they are called: a later change to *Options does not
// reach the walk. How Stream and DirStream deliver the entries (Buffer,
// Name, Observer) is their last parameter, a *sluice.StreamOptions.
type Options struct {
	// After, if not empty, is the cursor (Entry.Cursor) of an entry of an
	// earlier walk of the same root: the walk continues strictly after
	// it. Subtrees that sort before the cursor are not read. A cursor
	// that is malformed, of another version or not under root is refused
	// with an error wrapping ErrBadCursor.
	After string

	// Filter, if not nil, is called for each entry before it is yielded,
	// and answered as an fs.WalkDirFunc is: nil yields the entry;
	// sluice.Skip leaves out the entry alone (a directory is still
	// walked, and the entries under it are yielded); fs.SkipDir leaves
	// out a directory and everything under it, or, for a file, the entry
	// and the rest of its directory (as fs.WalkDir does); fs.SkipAll ends
	// the walk there, without error. Any other error ends the walk with
	// that error.
	//
	// Filter is called from the walking goroutine, for all the entries of
	// a directory when the walk enters it, so it may see entries that a
	// loop which breaks early never receives.
	Filter func(e Entry) error

	// OnError, if not nil, decides what happens when a directory cannot
	// be read, or a symbolic link leads back to one of its ancestors
	// (an error wrapping ErrLoop). It is called with the path and the
	// error, in walk order. nil continues the walk: the entries read
	// before the error, if any, are still walked. fs.SkipDir continues
	// without them, fs.SkipAll ends the walk without error, and any
	// other error ends the walk with that error. A nil OnError ends the
	// walk with the first such error.
	OnError func(path string, err error) error

	// MaxDepth, if positive, limits the walk to entries at most MaxDepth
	// names below root: directories at that depth are yielded but not
	// read. Zero means no limit.
	MaxDepth int

	// FollowSymlinks makes Dir and DirStream walk into symbolic links to
	// directories (including root), reporting a link that leads back to
	// one of its own ancestors through OnError instead of walking it
	// forever. All and Stream report what fs.ReadDir reports.
	FollowSymlinks bool

	// Workers, if above 1, is the number of goroutines that read
	// directories ahead of the walk, at most 8 directories per worker at
	// a time; entries are still yielded in exactly the same order. Zero
	// or 1 reads one directory at a time, in the walking goroutine.
	Workers int
}

var (
	// ErrBadCursor is wrapped by the error of a walk whose Options.After
	// is malformed or names a path that is not under root.
	ErrBadCursor = errors.New("walkdir: bad cursor")

	// ErrLoop is wrapped, in a *fs.PathError naming the link, by the
	// error given to OnError for a symbolic link that leads back to one
	// of its ancestors.
	ErrLoop = errors.New("walkdir: symbolic link loop")

	errNilFS = errors.New("walkdir: nil fs.FS")
)

// All returns an iterator over the entries of the tree rooted at root in
// fsys, in lexical order: exactly the paths, and in exactly the order,
// that fs.WalkDir(fsys, root, fn) passes to fn. The iterator reads
// nothing until it is ranged, and each range walks the tree afresh.
//
// When ctx is done the walk ends with an error matching ctx.Err(). A
// root that does not exist yields a single error wrapping
// fs.ErrNotExist. Invalid options, a nil fsys and a bad Options.After
// are reported when All is called: the iterator yields that error and
// nothing else.
func All(ctx context.Context, fsys fs.FS, root string, opts *Options) iter.Seq2[Entry, error] {
	wk, err := newWalk(fsys, false, root, opts)
	if err != nil {
		return sluice.Fail[Entry](err)
	}
	return wk.all(ctx)
}

// Stream returns the entries of All(ctx, fsys, root, opts) on a channel,
// with opts.Workers goroutines reading directories ahead, delivered as
// sopts says (nil: an unbuffered channel). The channel is closed when the
// walk ends, fails or is stopped; stop cancels the walk, waits for its
// goroutines and returns the terminal error (see the package
// documentation of sluice). Invalid arguments, as All reports them, close
// the channel before Stream returns, and stop returns their error.
func Stream(ctx context.Context, fsys fs.FS, root string, opts *Options, sopts *sluice.StreamOptions) (<-chan Entry, func() error) {
	wk, err := newWalk(fsys, false, root, opts)
	if err != nil {
		return sluice.FailedStream[Entry](err)
	}
	return sluice.StreamFunc(ctx, wk.all, sopts)
}

// Dir returns an iterator over the entries of the operating system's
// directory tree rooted at root, in lexical order: exactly the paths, and
// in exactly the order, that filepath.WalkDir(root, fn) passes to fn.
// Root is read with os.Lstat unless opts.FollowSymlinks is set. In all
// else it behaves as All.
func Dir(ctx context.Context, root string, opts *Options) iter.Seq2[Entry, error] {
	wk, err := newWalk(nil, true, root, opts)
	if err != nil {
		return sluice.Fail[Entry](err)
	}
	return wk.all(ctx)
}

// DirStream returns the entries of Dir(ctx, root, opts) on a channel, as
// Stream does for All.
func DirStream(ctx context.Context, root string, opts *Options, sopts *sluice.StreamOptions) (<-chan Entry, func() error) {
	wk, err := newWalk(nil, true, root, opts)
	if err != nil {
		return sluice.FailedStream[Entry](err)
	}
	return sluice.StreamFunc(ctx, wk.all, sopts)
}
