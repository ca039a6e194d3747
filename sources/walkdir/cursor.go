package walkdir

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// cursorPrefix versions the cursor format: a cursor is "v1:" followed by
// the entry's path. A later format gets a new prefix, and a cursor of a
// format this version does not know is rejected, never misread.
const cursorPrefix = "v1:"

// decodeCursor returns the names below root that lead to the entry whose
// cursor is c: an empty, non-nil slice for root itself. isOS selects the
// path syntax of Dir (filepath) rather than that of All (path, as fs.FS
// wants it).
func decodeCursor(c, root string, isOS bool) ([]string, error) {
	p, ok := strings.CutPrefix(c, cursorPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: %q: unknown format", ErrBadCursor, c)
	}
	if p == "" || strings.IndexByte(p, 0) >= 0 || (!isOS && !utf8.ValidString(p)) {
		return nil, fmt.Errorf("%w: %q: invalid path", ErrBadCursor, c)
	}
	if p == root {
		return []string{}, nil
	}
	rel, ok := relative(p, root, isOS)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not under root %q", ErrBadCursor, p, root)
	}
	sep := "/"
	if isOS {
		sep = string(filepath.Separator)
	}
	return strings.Split(rel, sep), nil
}

// relative returns p relative to root if p is a path the walk of root
// could give (root joined with one or more clean, local names).
func relative(p, root string, isOS bool) (string, bool) {
	clean, sep := path.Clean, "/"
	if isOS {
		clean, sep = filepath.Clean, string(filepath.Separator)
	}
	var rel string
	switch r := clean(root); {
	case r == ".":
		rel = p
	case strings.HasSuffix(r, sep): // the file system root
		rel, _ = strings.CutPrefix(p, r)
		if len(rel) == len(p) {
			return "", false
		}
	default:
		var ok bool
		if rel, ok = strings.CutPrefix(p, r+sep); !ok {
			return "", false
		}
	}
	if rel == "" || clean(rel) != rel {
		return "", false
	}
	if isOS {
		return rel, filepath.IsLocal(rel)
	}
	return rel, fs.ValidPath(rel) && rel != "."
}
