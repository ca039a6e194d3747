package s3sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/sinkrun"
)

// errStopped is what body's Read returns once the upload has failed on
// the body's side; the reason is in the body's fields.
var errStopped = errors.New("s3sink: upload stopped")

// body is the Body of an upload as the transfer manager reads it: the
// chunks of an iterator, pulled through a coroutine (iter.Pull2) one at
// a time as the parts fill, or a reader. It checks ctx before every read,
// counts the bytes, checks them against ContentLength, and records why it
// stopped: the source's error, ctx's, or a panic of the source, which
// would otherwise unwind through the transfer manager and leave its part
// goroutines and its multipart upload behind.
//
// The transfer manager reads Body only from the goroutine that called
// UploadObject, so body needs no lock.
type body struct {
	ctx context.Context

	r    io.Reader                    // UploadReader's reader, or nil
	next func() ([]byte, error, bool) // Upload's chunks, from iter.Pull2
	stop func()                       // of iter.Pull2
	cur  []byte                       // the rest of the current chunk
	size int64                        // ContentLength, or -1

	n      int64 // bytes read from the source
	ended  bool  // the source has ended
	srcErr error // the source's error, or a mismatch with ContentLength
	ctxErr error // ctx's, when it stopped the reading
	panic  sinkrun.Panic
}

func newBody(ctx context.Context, size int64) *body {
	return &body{ctx: ctx, size: size}
}

// chunks makes b read seq's chunks.
func (b *body) chunks(seq iter.Seq2[[]byte, error]) {
	b.next, b.stop = iter.Pull2(seq)
}

// close stops the iterator of chunks, if any: after a failure, the source
// is told to stop (its yield returns false).
func (b *body) close() {
	if b.stop != nil {
		b.stop()
	}
}

// failed reports whether the reading stopped early, and did not end.
func (b *body) failed() bool {
	return b.srcErr != nil || b.ctxErr != nil || b.panic.Caught()
}

func (b *body) Read(p []byte) (n int, err error) {
	switch {
	case b.failed():
		return 0, errStopped
	case b.ended:
		return 0, io.EOF
	}
	if err := sluice.ContextError(b.ctx); err != nil {
		b.ctxErr = err
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.r != nil {
		n, err = b.read(p)
	} else {
		n, err = b.pull(p)
	}
	b.n += int64(n)
	if b.size >= 0 && b.n > b.size {
		b.srcErr = fmt.Errorf("more than ContentLength (%d bytes)", b.size)
		return n, b.srcErr
	}
	if err == io.EOF {
		b.ended = true
		if b.size >= 0 && b.n < b.size {
			b.srcErr = fmt.Errorf("ended after %d bytes, short of ContentLength (%d bytes)", b.n, b.size)
			return n, b.srcErr
		}
	}
	return n, err
}

// read reads from b.r, recovering a panic.
func (b *body) read(p []byte) (n int, err error) {
	defer func() {
		if b.panic.Catch(recover()) {
			n, err = 0, errStopped
		}
	}()
	n, err = b.r.Read(p)
	if n < 0 || n > len(p) {
		// As io.Reader forbids; bufio panics on it, the transfer
		// manager would slice out of range.
		b.srcErr = fmt.Errorf("the reader's Read returned %d for a buffer of %d bytes", n, len(p))
		return 0, b.srcErr
	}
	if err != nil && err != io.EOF {
		b.srcErr = err
	}
	return n, err
}

// pull copies the current chunk into p, pulling the next chunks (and
// skipping empty ones) when it is used up. A chunk's bytes are all copied
// before the next is pulled, so the source may reuse a chunk's memory
// once its yield has returned.
func (b *body) pull(p []byte) (n int, err error) {
	for len(b.cur) == 0 {
		chunk, err, ok := b.pullNext()
		switch {
		case b.panic.Caught():
			return 0, errStopped
		case !ok:
			return 0, io.EOF
		case err != nil:
			b.srcErr = err
			return 0, err
		}
		b.cur = chunk
	}
	n = copy(p, b.cur)
	b.cur = b.cur[n:]
	return n, nil
}

// pullNext pulls the next chunk, recovering a panic of the source (which
// iter.Pull2 raises in next).
func (b *body) pullNext() (chunk []byte, err error, ok bool) {
	defer func() { b.panic.Catch(recover()) }()
	return b.next()
}
