package scanner

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxEmptyTokens is how many empty tokens in a row a split function may
// return without advancing before the scan fails (bufio.Scanner panics).
const maxEmptyTokens = 100

// lines yields the lines of the input, split as bufio.ScanLines does. It
// is the hot loop of the package: the state it changes for each line is
// kept in locals and stored back only when the loop leaves the buffer.
func (s *scan) lines(yield func(Token, error) bool) {
	for {
		buf, start, limit := s.buf[:s.end], s.start, s.max
		off, line := s.off, s.line
		for {
			i := bytes.IndexByte(buf[start:], '\n')
			if i < 0 {
				break
			}
			j := start + i // the '\n'
			k := j         // the end of the line
			if k > start && buf[k-1] == '\r' {
				k--
			}
			if k-start > limit {
				break // tooLong below finds it
			}
			t := Token{Bytes: buf[start:k:k], Offset: off, Line: line, next: off + int64(i) + 1, nextLine: line + 1}
			start, off, line = j+1, t.next, line+1
			if !yield(t, nil) {
				s.start, s.off, s.line = start, off, line
				s.stopped = true
				return
			}
			// A buffer can hold many lines: look at ctx every 1024,
			// not only before each Read.
			if line&1023 == 0 {
				if s.err = s.canceled(); s.err != nil {
					s.start, s.off, s.line = start, off, line
					return
				}
			}
		}
		s.start, s.off, s.line = start, off, line
		if s.within != nil && !s.within(s.off) {
			s.stopped = true
			return
		}
		pending := s.end - s.start
		// A line longer than the limit: found above, or still without
		// its "\n". One byte more may wait: the "\r" of a "\r\n".
		if pending > s.max+1 {
			if !s.tooLong() {
				return
			}
			continue
		}
		if s.fill() {
			continue
		}
		if s.err != nil || s.stopped {
			return
		}
		if s.rerr != io.EOF {
			s.readFailed()
			return
		}
		if pending == 0 {
			return
		}
		// A last line without "\n".
		tok := s.buf[s.start:s.end]
		if tok[len(tok)-1] == '\r' {
			tok = tok[:len(tok)-1]
		}
		if len(tok) > s.max {
			s.tooLong()
			return
		}
		t := Token{Bytes: tok[:len(tok):len(tok)], Offset: s.off, Line: s.line}
		s.consume(pending, 0) // the same line goes on, if the input ever does
		t.next, t.nextLine = s.off, s.line
		if !yield(t, nil) {
			s.stopped = true
		}
		return
	}
}

// split yields the tokens of a custom split function, with the semantics
// of bufio.Scanner, counting lines as it goes.
func (s *scan) split(yield func(Token, error) bool) {
	split := s.opts.Split
	empties := 0
	for {
		data := s.buf[s.start:s.end]
		atEOF := s.rerr == io.EOF
		var adv int
		var tok []byte
		var err error
		if len(data) > 0 || atEOF { // as bufio: ScanRunes fails on nothing
			adv, tok, err = split(data, atEOF)
		}
		final := err == bufio.ErrFinalToken
		switch {
		case err != nil && !final:
			s.err = fmt.Errorf("scanner: split at offset %d: %w", s.off, err)
			return
		case adv < 0 || adv > len(data):
			s.err = fmt.Errorf("scanner: split at offset %d advanced %d bytes of %d", s.off, adv, len(data))
			return
		case tok != nil && len(tok) > s.max:
			if !s.tooLong() {
				return
			}
			continue
		case tok != nil:
			i := offsetIn(data, tok)
			t := Token{Bytes: tok[:len(tok):len(tok)], Offset: s.off + int64(i), Line: s.line + int64(bytes.Count(data[:i], newline))}
			s.consume(adv, bytes.Count(data[:adv], newline))
			t.next, t.nextLine = s.off, s.line
			if !yield(t, nil) {
				s.stopped = true
				return
			}
			if s.err = s.canceled(); s.err != nil {
				return
			}
			if empties++; adv > 0 {
				empties = 0
			} else if empties > maxEmptyTokens {
				s.err = errors.New("scanner: split returned 100 empty tokens without advancing")
				return
			}
		case adv > 0:
			s.consume(adv, bytes.Count(data[:adv], newline))
		}
		switch {
		case final:
			return
		case adv > 0 || tok != nil:
			continue
		case atEOF:
			return // bufio, too, drops what the split function leaves at EOF
		case len(data) > s.max:
			if !s.tooLong() {
				return
			}
		case !s.fill():
			if s.err != nil || s.stopped {
				return
			}
			if s.rerr != io.EOF {
				s.readFailed()
				return
			}
			// At the end of the input: split once more, atEOF.
		}
	}
}

var newline = []byte{'\n'}

// offsetIn returns where tok starts in data, or 0 when tok is not a
// subslice of data (bufio.ScanRunes returns a token of its own for an
// invalid encoding). A subslice data[i:j] keeps the capacity of data
// less i, and its first element is data[i].
func offsetIn(data, tok []byte) int {
	i := cap(data) - cap(tok)
	switch {
	case i < 0 || i+len(tok) > len(data):
		return 0
	case len(tok) == 0 || &data[i] == &tok[0]:
		return i
	}
	return 0
}
