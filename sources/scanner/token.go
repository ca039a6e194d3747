package scanner

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluice-go/sluice/internal/cursor"
)

// A Token is one token of the input: a line, a word, or what a custom
// split function returned.
//
// In the token iterators (All, File), Bytes aliases the scanner's read
// buffer: it is valid only until the loop body returns, and the next
// iteration may overwrite it. A consumer that keeps a token past its
// iteration keeps [Token.Clone] or [Token.Text] instead. The tokens of the
// batches (Batches, FileBatches) and of every channel form are safe to
// keep.
type Token struct {
	// Bytes is the token, without its line terminator for lines.
	Bytes []byte

	// Offset is the byte offset of the start of the token in the input,
	// counted from where the scanner began reading (for a file, from its
	// start; for a resumed run, as in the run it resumes).
	Offset int64

	// Line is the 1-based number of the line the token starts on: for the
	// line split, the line itself.
	Line int64

	// next and nextLine are where the scanner went on after the token:
	// what Cursor encodes.
	next, nextLine int64
}

// Text returns a copy of the token's bytes as a string.
func (t Token) Text() string { return string(t.Bytes) }

// Clone returns a copy of t whose Bytes no longer aliases the scanner's
// buffer and is safe to keep.
func (t Token) Clone() Token {
	t.Bytes = append(make([]byte, 0, len(t.Bytes)), t.Bytes...)
	return t
}

// Cursor returns where the scanner went on after t: the byte offset just
// after the token and its delimiter (a line's "\n"), and the line number
// there. It is an opaque string, "v1:<offset>:<line>", that
// [Options.After] accepts, to resume strictly after t.
func (t Token) Cursor() string { return encodeCursor(t.next, t.nextLine) }

// ErrBadCursor is the error, wrapped with detail, for an [Options.After]
// that is not a cursor of this package, or that points past the end of
// the input.
var ErrBadCursor = errors.New("scanner: bad cursor")

// A cursor is cursor.Version, then "<offset>:<line>", both in canonical
// decimal, the line at least 1. It is not meant to be read, only stored
// and given back.
func encodeCursor(off, line int64) string {
	return cursor.Format(strconv.FormatInt(off, 10) + ":" + strconv.FormatInt(line, 10))
}

// decodeCursor parses a cursor made by encodeCursor. It accepts only the
// canonical form, so that a cursor from elsewhere is an error rather than
// a resumption from a wrong place.
func decodeCursor(c string) (off, line int64, err error) {
	pos, err := cursor.Parse(ErrBadCursor, c)
	if err != nil {
		if _, _, ok := parsePosition(c); ok {
			// The bare "offset:line" of the scanner before v1.
			return 0, 0, cursor.Bad(ErrBadCursor, c, `a cursor of before v1: prefix it with "v1:"`)
		}
		return 0, 0, err
	}
	off, line, ok := parsePosition(pos)
	switch {
	case !ok && negative(pos):
		return 0, 0, cursor.Bad(ErrBadCursor, c, "a negative offset or line")
	case !ok:
		return 0, 0, cursor.Bad(ErrBadCursor, c, "want v1:<offset>:<line>, in decimal")
	case line < 1:
		return 0, 0, cursor.Bad(ErrBadCursor, c, "line 0; want 1 or more")
	case line-1 > off:
		// Every line but the first starts after a "\n" of its own.
		return 0, 0, cursor.Bad(ErrBadCursor, c, fmt.Sprintf("line %d cannot be at offset %d", line, off))
	}
	return off, line, nil
}

// parsePosition parses "<offset>:<line>", both canonical decimals.
func parsePosition(pos string) (off, line int64, ok bool) {
	o, l, ok := strings.Cut(pos, ":")
	if ok {
		off, ok = parseCanonical(o)
	}
	if ok {
		line, ok = parseCanonical(l)
	}
	return off, line, ok
}

// negative reports whether pos is "<offset>:<line>" but for a minus sign.
func negative(pos string) bool {
	o, l, _ := strings.Cut(pos, ":")
	_, _, ok := parsePosition(strings.TrimPrefix(o, "-") + ":" + strings.TrimPrefix(l, "-"))
	return ok
}

// parseCanonical parses a non-negative decimal without sign or leading
// zeros.
func parseCanonical(s string) (int64, bool) {
	if s == "" || (s[0] == '0' && len(s) > 1) || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

// A TooLongError reports a token longer than [Options.MaxTokenSize]. It
// matches [bufio.ErrTooLong] with errors.Is.
type TooLongError struct {
	Offset int64 // where the token starts
	Line   int64 // the line it starts on
	Max    int   // the MaxTokenSize it exceeds
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("scanner: token at offset %d (line %d) longer than %d bytes", e.Offset, e.Line, e.Max)
}

// Unwrap returns [bufio.ErrTooLong].
func (e *TooLongError) Unwrap() error { return errTooLong }
