package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// A snapshot is the known state of a tree: the Lstat of every path below
// the root (not the root itself), except the directories in SkipDirs and
// what is below them. The polling mode compares one snapshot with the
// next; AutoRescan compares the watcher's known state with a fresh one.
//
// A nil FileInfo stands for a path reported as created whose state is
// unknown (it was gone when it was looked at): present for diff, so that
// its removal is reported, and re-reported as Create if it is there.
type snapshot map[string]os.FileInfo

// scan walks q.root and returns its snapshot. visitDir, if not nil, is
// called for each directory (root included) before it is listed, and may
// fail it: the polling mode does nothing there, AutoRescan places the
// directory's watch, so that nothing created after the listing is lost.
// A directory that cannot be listed keeps, in the new snapshot, what old
// knew below it (nothing is reported for it) and is returned in bad with
// the error: the caller reports a Rescan of it. The directories in
// SkipDirs and those Filter left out are not walked; one of the latter
// no longer found is forgotten (q.skipped), so that a directory created
// in its place later is asked about afresh.
func scan(q *queue, old snapshot, visitDir func(string) error) (snap snapshot, bad map[string]error) {
	root := q.root
	snap = snapshot{}
	bad = map[string]error{}
	skipped := map[string]bool{}
	defer func() { q.skipped = skipped }()
	keepOld := func(dir string) {
		prefix := dir + string(filepath.Separator)
		for p, fi := range old {
			if strings.HasPrefix(p, prefix) {
				snap[p] = fi
			}
		}
	}
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			// Listing p failed (its own entry is already recorded), or
			// the root could not be read. Gone meanwhile is no failure:
			// the next look reports it.
			if !errors.Is(err, fs.ErrNotExist) {
				bad[p] = fmt.Errorf("watch: listing %s: %w", p, err)
				keepOld(p)
			}
			return nil
		}
		if d.IsDir() && q.skipped[p] {
			skipped[p] = true
			return fs.SkipDir
		}
		if p != root {
			if d.IsDir() && q.opts.skipDir(d.Name()) {
				return fs.SkipDir
			}
			fi, err := d.Info()
			if err != nil {
				return nil // gone meanwhile: absent from the snapshot
			}
			snap[p] = fi
		}
		if d.IsDir() && visitDir != nil {
			if err := visitDir(p); err != nil {
				bad[p] = err
				keepOld(p)
				return fs.SkipDir
			}
		}
		return nil
	})
	return snap, bad
}

// diff returns the events that take a consumer from old to new: the
// Removes first, deepest paths first, then the Creates and changes in
// path order, parents before their entries. A path that now holds another
// file (os.SameFile false) is reported as Create: read it afresh. For a
// file, a change of size or modification time is a Write; for any path, a
// change of mode is a Chmod. A directory's own size and time change with
// its entries and are not reported: its entries are.
func diff(old, new snapshot) []Event {
	var removed, present []string
	for p := range old {
		if _, ok := new[p]; !ok {
			removed = append(removed, p)
		}
	}
	for p := range new {
		present = append(present, p)
	}
	slices.Sort(removed)
	slices.Reverse(removed)
	slices.Sort(present)
	var out []Event
	for _, p := range removed {
		out = append(out, Event{Path: p, Op: Remove})
	}
	for _, p := range present {
		fi := new[p]
		was, ok := old[p]
		var op Op
		switch {
		case !ok || was == nil || fi == nil || !os.SameFile(was, fi):
			op = Create
		default:
			if !fi.IsDir() && (fi.Size() != was.Size() || !fi.ModTime().Equal(was.ModTime())) {
				op |= Write
			}
			if fi.Mode() != was.Mode() {
				op |= Chmod
			}
		}
		if op != 0 {
			out = append(out, Event{Path: p, Op: op})
		}
	}
	return out
}

// removeTree drops p and everything below it.
func (s snapshot) removeTree(p string) {
	fi, ok := s[p]
	if !ok {
		return // not known: neither is anything below it
	}
	delete(s, p)
	if fi != nil && !fi.IsDir() {
		return
	}
	prefix := p + string(filepath.Separator)
	for q := range s {
		if strings.HasPrefix(q, prefix) {
			delete(s, q)
		}
	}
}
