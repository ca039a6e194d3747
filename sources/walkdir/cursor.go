package walkdir

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/sluice-go/sluice/internal/cursor"
)

// decodeCursor returns the names below root that lead to the entry whose
// cursor is c: an empty, non-nil slice for root itself. isOS selects the
// path syntax of Dir (filepath) rather than that of All (path, as fs.FS
// wants it). A cursor is cursor.Version followed by the entry's path; one
// of another version is refused, never misread.
func decodeCursor(c, root string, isOS bool) ([]string, error) {
	p, err := cursor.Parse(ErrBadCursor, c)
	if err != nil {
		return nil, err
	}
	if p == "" || strings.IndexByte(p, 0) >= 0 || (!isOS && !utf8.ValidString(p)) {
		return nil, cursor.Bad(ErrBadCursor, c, "not a valid path")
	}
	if p == root {
		return []string{}, nil
	}
	rel, ok := relative(p, root, isOS)
	if !ok {
		return nil, cursor.Bad(ErrBadCursor, c, fmt.Sprintf("not under the root %q", root))
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
