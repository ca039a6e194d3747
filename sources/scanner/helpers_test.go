package scanner

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// openFiles counts the files the scanner holds open.
var openFiles atomic.Int64

func init() { testHookOpen = func(d int) { openFiles.Add(int64(d)) } }

// ref splits data held whole in memory with split (nil for lines): the
// reference the streaming scanner must match, whatever its reads.
func ref(data []byte, split bufio.SplitFunc) []Token {
	if split == nil {
		split = bufio.ScanLines
	}
	var out []Token
	pos, line := 0, int64(1)
	for {
		rest := data[pos:]
		adv, tok, err := split(rest, true)
		if tok != nil {
			i := offsetIn(rest, tok)
			t := Token{Bytes: bytes.Clone(tok), Offset: int64(pos + i), Line: line + int64(bytes.Count(rest[:i], newline))}
			line += int64(bytes.Count(rest[:adv], newline))
			t.next, t.nextLine = int64(pos+adv), line
			if t.Bytes == nil {
				t.Bytes = []byte{}
			}
			out = append(out, t)
		} else {
			line += int64(bytes.Count(rest[:adv], newline))
		}
		pos += adv
		if err != nil || (adv == 0 && tok == nil) {
			return out
		}
	}
}

func equalTokens(a, b Token) bool {
	return bytes.Equal(a.Bytes, b.Bytes) && a.Offset == b.Offset && a.Line == b.Line &&
		a.next == b.next && a.nextLine == b.nextLine
}

func equalBatches(a, b []Token) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equalTokens(a[i], b[i]) {
			return false
		}
	}
	return true
}

// collect ranges seq, cloning each token, and returns its tokens and error.
func collect(seq func(func(Token, error) bool)) ([]Token, error) {
	var out []Token
	var err error
	for t, e := range seq {
		if e != nil {
			err = e
			break
		}
		out = append(out, t.Clone())
	}
	return out, err
}

// writeFile writes data to a new file in t's temporary directory.
func writeFile(t testing.TB, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// failReader returns data, then err.
type failReader struct {
	data []byte
	err  error
}

func (r *failReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// stallReader returns data, then blocks until ctx is done.
type stallReader struct {
	ctx  context.Context
	data []byte
}

func (r *stallReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		<-r.ctx.Done()
		return 0, r.ctx.Err()
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// chunkReader returns data in reads of the given sizes, in turn; a size
// of 0 is a Read that returns nothing (never twice in a row).
type chunkReader struct {
	data     []byte
	sizes    []int
	i        int
	wasEmpty bool
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := 1
	if len(r.sizes) > 0 {
		n = max(r.sizes[r.i%len(r.sizes)], 0)
		r.i++
	}
	if n == 0 && r.wasEmpty {
		n = 1
	}
	r.wasEmpty = n == 0
	n = copy(p[:min(n, len(p))], r.data)
	r.data = r.data[n:]
	return n, nil
}

// noSeek hides the Seek method of a reader, so the scanner discards up to
// a cursor instead.
type noSeek struct{ r io.Reader }

func (n noSeek) Read(p []byte) (int, error) { return n.r.Read(p) }
