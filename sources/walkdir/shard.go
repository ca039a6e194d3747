package walkdir

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"

	"github.com/sluice-go/sluice/shard"
)

// A Sharder cuts the walk of an operating system's directory tree, the
// one Dir makes, into shards (package shard): ranges of the walk, in its
// own order, that processes on many machines read apart. See the package
// documentation, "Shards".
//
// A Sharder is safe for concurrent use: it holds only its checked
// arguments.
type Sharder struct {
	wk     *walk
	source string // Shard.Source
	sep    byte   // the separator of positions
	skip   int    // the length of the root's part of an entry's path
}

// NewSharder returns a Sharder of the walk Dir(ctx, root, opts) makes.
// It checks root and the options, and copies them, before any I/O: an
// empty root, Options.After (a shard carries its own cursor), Options.Workers
// above 1 (a shard's reader reads one directory at a time: run more shards
// at once instead) and what Dir refuses are errors.
//
// Its shards' Source is "walkdir:" followed by root, cleaned: give
// every process that opens them the same root (absolute, where their
// working directories differ). Their
// positions (Start, End) are paths relative to root, in the syntax of
// the operating system, as an Entry's path is below root: "a/b" for
// root/a/b. "." is root itself.
func NewSharder(root string, opts *Options) (*Sharder, error) {
	return newSharder(nil, true, root, opts)
}

// newSharder makes a Sharder of Dir (isOS) or, for the tests, of All
// over fsys: the fault-injecting file systems of the tests are fs.FSs.
func newSharder(fsys fs.FS, isOS bool, root string, opts *Options) (*Sharder, error) {
	if root == "" {
		return nil, errors.New("walkdir: NewSharder: root is empty")
	}
	if opts != nil && opts.After != "" {
		return nil, fmt.Errorf("walkdir: NewSharder: Options.After is %q; want \"\": a shard carries its own cursor (shard.Shard.Cursor)", opts.After)
	}
	if opts != nil && opts.Workers > 1 {
		return nil, fmt.Errorf("walkdir: NewSharder: Options.Workers is %d; want 0 or 1: a shard's reader reads one directory at a time (run more shards at once instead)", opts.Workers)
	}
	wk, err := newWalk(fsys, isOS, root, opts)
	if err != nil {
		return nil, err
	}
	s := &Sharder{wk: wk, sep: '/'}
	clean := path.Clean(root)
	if isOS {
		clean, s.sep = filepath.Clean(root), filepath.Separator
	}
	s.source = "walkdir:" + clean
	switch {
	case clean == ".":
		s.skip = 0 // the walk's paths are relative already
	case clean[len(clean)-1] == s.sep:
		s.skip = len(clean) // the file system's root: "/a"
	default:
		s.skip = len(clean) + 1
	}
	return s, nil
}

// Split returns between 1 and n shards that together hold every entry of
// the walk exactly once, in its order: the first starts at "", each next
// one where the one before ends, the last ends at "".
//
// It reads the top of the tree breadth first, a bounded number of
// directories (about 1,000 plus 64 per shard; every directory of a tree
// no larger), estimates the size of each subtree it did not read from
// the directories it did, and cuts between entries so that the shards
// are about even: between subtrees, and between the entries of one
// directory, so that one huge directory is cut among its entries. A
// subtree it did not read is never cut. Options.Filter is not consulted
// (only a shard's reader calls it), so a tree the Filter mostly leaves
// out can give uneven shards; MaxDepth and FollowSymlinks are.
//
// A directory it cannot read counts as one entry; the readers of the
// shards report it through Options.OnError, as Dir does. A root it cannot
// stat is an error, as is an n below 1.
func (s *Sharder) Split(ctx context.Context, n int) ([]shard.Shard, error) {
	if n < 1 {
		return nil, fmt.Errorf("walkdir: Split(%d): want 1 or more shards", n)
	}
	units, err := s.plan(ctx, ".", true, "", splitReads+splitReadsPerShard*n)
	if err != nil {
		return nil, err
	}
	shards := make([]shard.Shard, 0, n)
	start := ""
	for _, p := range cuts(units, n) {
		shards = append(shards, shard.Shard{Source: s.source, Start: start, End: p})
		start = p
	}
	return append(shards, shard.Shard{Source: s.source, Start: start}), nil
}

// Open returns a Reader of the entries of sh, a shard of s: those of the
// walk Dir makes whose positions lie in [sh.Start, sh.End), strictly after
// sh.Cursor if it is set. It checks sh without I/O: a shard of another
// source, a position that is not a clean local path, a Start after its
// End, or a Cursor that is malformed or outside the shard is an error
// wrapping shard.ErrBadShard.
//
// The Reader's All walks as Dir does, from Start (reading only the
// directories on the path to it among those before it) to End, one
// directory at a time; it returns a single-use iterator. Its Split, safe
// while All runs, gives away [p, End) for a p after the last entry All
// yielded: with keep 0, the entry that follows it; otherwise the
// boundary between entries nearest to keep of the rest, which it finds
// by reading the directories on the path from that entry and, breadth
// first and within a bound, those below, as Sharder.Split does. A Split
// that All overtakes while it reads cuts after where All has come to. It
// returns shard.ErrNoSplit when no entry of the walk is left before End
// (entries a Filter would leave out count), and once All has returned,
// however it ended.
func (s *Sharder) Open(sh shard.Shard) (shard.Reader[Entry], error) {
	bad := func(why string, err error) error {
		if err != nil {
			return fmt.Errorf("%w %v: %s: %w", shard.ErrBadShard, sh, why, err)
		}
		return fmt.Errorf("%w %v: %s", shard.ErrBadShard, sh, why)
	}
	if sh.Source != s.source {
		return nil, bad(fmt.Sprintf("not a shard of %q", s.source), nil)
	}
	if !s.validPos(sh.Start) {
		return nil, bad("Start is not a clean path under the root", nil)
	}
	if !s.validPos(sh.End) {
		return nil, bad("End is not a clean path under the root", nil)
	}
	start := cmp.Or(sh.Start, ".")
	if sh.End != "" && s.compare(start, sh.End) > 0 {
		return nil, bad("Start comes after End", nil)
	}
	wk := *s.wk
	switch {
	case sh.Cursor != "":
		names, err := decodeCursor(sh.Cursor, wk.root, wk.isOS)
		if err != nil {
			return nil, bad("bad Cursor", err)
		}
		at := s.join(names)
		if s.compare(at, start) < 0 || (sh.End != "" && s.compare(at, sh.End) >= 0) {
			return nil, bad("Cursor is outside the shard", nil)
		}
		wk.after = names
	case start != ".":
		wk.after, wk.from = strings.Split(start, string(s.sep)), true
	}
	r := &shardReader{s: s, wk: &wk, sh: sh}
	return r, nil
}

// validPos reports whether p is a position: "" (the start or the end),
// "." (root) or a clean local path without NUL.
func (s *Sharder) validPos(p string) bool {
	switch {
	case p == "" || p == ".":
		return true
	case strings.IndexByte(p, 0) >= 0:
		return false
	case s.wk.isOS:
		return filepath.IsLocal(p) && filepath.Clean(p) == p
	}
	return fs.ValidPath(p)
}

// join returns the position of the entry the names below root lead to.
func (s *Sharder) join(names []string) string {
	if len(names) == 0 {
		return "."
	}
	return strings.Join(names, string(s.sep))
}

// pos returns the position of e, an entry of the walk of s.
func (s *Sharder) pos(e *Entry) string {
	if e.Depth == 0 {
		return "."
	}
	return e.Path[s.skip:]
}

// compare compares two positions in walk order.
func (s *Sharder) compare(a, b string) int { return comparePos(a, b, s.sep) }

// comparePos compares the positions a and b, paths relative to root with
// separator sep ("." is root), in the order of the walk: name by name, in
// byte order, a directory before the entries below it. It returns -1, 0
// or +1. A name holds neither sep nor NUL, so comparing the bytes with
// sep ranked below every other byte is comparing name by name: "a/b"
// comes before "a.txt" (the directory "a" sorts before the name "a.txt"),
// and "a" before "a/b" (a prefix comes first).
func comparePos(a, b string, sep byte) int {
	switch {
	case a == b:
		return 0
	case a == ".":
		return -1
	case b == ".":
		return +1
	}
	for i := range min(len(a), len(b)) {
		ca, cb := a[i], b[i]
		switch {
		case ca == cb:
			continue
		case ca == sep:
			return -1
		case cb == sep:
			return +1
		case ca < cb:
			return -1
		default:
			return +1
		}
	}
	return cmp.Compare(len(a), len(b))
}

// within reports whether the position p is at or below the position dir:
// dir itself, or an entry of its subtree.
func within(p, dir string, sep byte) bool {
	return dir == "." || p == dir || (len(p) > len(dir) && p[len(dir)] == sep && p[:len(dir)] == dir)
}
