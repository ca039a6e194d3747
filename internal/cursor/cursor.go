// Package cursor writes and reads the cursors of every source in the same
// shape: the version "v1:" followed by the source's own position, and one
// wording for the error of a cursor a source cannot resume after.
//
// It imports only the standard library.
package cursor

import (
	"fmt"
	"strings"
)

// Version is the prefix of every cursor this module's sources write.
// A source that changes what its cursors hold writes a new version and
// goes on reading the old one.
const Version = "v1:"

// Format returns the cursor of position pos.
func Format(pos string) string { return Version + pos }

// Parse returns the position c holds, or, for a cursor that is not of
// Version, an error made by [Bad]. The empty cursor is the start of the
// source; Parse does not accept it: the caller tests for it first.
func Parse(errBad error, c string) (string, error) {
	pos, ok := strings.CutPrefix(c, Version)
	if !ok {
		return "", Bad(errBad, c, "not a "+strings.TrimSuffix(Version, ":")+" cursor")
	}
	return pos, nil
}

// Bad returns the error a source yields for cursor c, which it cannot
// resume after: it wraps errBad, the package's ErrBadCursor
// ("<package>: bad cursor"), and says which cursor and why, as in
//
//	walkdir: bad cursor "v1:../etc": not under the root "data"
func Bad(errBad error, c, why string) error {
	const max = 200
	if len(c) > max {
		c = c[:max] + "…"
	}
	return fmt.Errorf("%w %q: %s", errBad, c, why)
}
