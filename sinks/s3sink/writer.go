package s3sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/sinkrun"
)

// writer is the state of one Write.
//
// The calling goroutine ranges the stream and hands each value to a
// worker through jobs; the workers write the objects and end each value
// in the ring, which counts the values done in the order of the stream,
// however their uploads end, and lets no more than readAhead × Workers
// values be read beyond the values done. The saver saves the checkpoint as the values
// done advance (saver.go).
type writer[V any] struct {
	o       *Objects[V]
	shared  *sinkrun.Sink[V]
	client  Client
	cfg     config
	cursor  func(V) (string, bool)
	workers int
	ring    *ring[V]

	failed   chan struct{} // closed at the first failure
	failOnce sync.Once
	kick     chan struct{} // tells the saver that the values done advanced
	panic    sinkrun.Panic // of a worker's call

	got int64 // values read from the stream, by dispatch alone

	mu      sync.Mutex
	stopErr error // a failure of the checkpoint

	// Of the saver, and after it of Write's last save.
	savedDone int64
	saveErr   error
}

type job[V any] struct {
	i   int64 // the value's index in the Write
	v   V
	ctx context.Context
}

// run writes the values of seq and returns the Result.
func (w *writer[V]) run(ctx context.Context, seq iter.Seq2[V, error]) (Result, error) {
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	jobs := make(chan job[V])
	var workers sync.WaitGroup
	for range w.workers {
		workers.Go(func() {
			for j := range jobs {
				w.finish(j.i, w.put(j))
			}
		})
	}
	stopSaver := make(chan struct{})
	var saver sync.WaitGroup
	if w.o.Checkpoint != nil {
		saver.Go(func() { w.saver(ctx, stopSaver) })
	}
	finished := false
	defer func() {
		if !finished {
			// seq panicked: abort the uploads before the panic goes on.
			cancelRun()
			close(jobs)
			workers.Wait()
			close(stopSaver)
			saver.Wait()
		}
	}()

	ended, srcErr := w.dispatch(ctx, runCtx, seq, jobs)
	finished = true
	close(jobs)
	workers.Wait()
	close(stopSaver)
	saver.Wait()
	return w.end(ctx, ended, srcErr)
}

// dispatch reads seq and hands its values to the workers, until seq ends
// (ended), fails (its error), a value or the checkpoint fails, or ctx is
// done.
func (w *writer[V]) dispatch(ctx, runCtx context.Context, seq iter.Seq2[V, error], jobs chan<- job[V]) (ended bool, srcErr error) {
	done := ctx.Done()
	for v, err := range seq {
		if err != nil {
			return false, err
		}
		w.got++
		if sluice.ContextError(ctx) != nil || !w.ring.reserve(w.failed, done) || w.saveFailed() != nil {
			return false, nil
		}
		jctx, cancel := context.WithCancel(runCtx)
		i, ok := w.ring.add(v, cancel)
		if !ok {
			cancel()
			return false, nil
		}
		select {
		case jobs <- job[V]{i: i, v: v, ctx: jctx}:
		case <-w.failed:
			return false, nil
		case <-done:
			return false, nil
		}
	}
	return true, nil
}

// put writes the object of j's value.
func (w *writer[V]) put(j job[V]) (err error) {
	o := w.o
	key := ""
	defer func() {
		if w.panic.Catch(recover()) {
			err = w.objectError(j, key, sinkrun.ErrPanicked)
		}
	}()
	key = o.Key(j.v)
	if key == "" {
		return w.objectError(j, "", errors.New("empty key from Objects.Key"))
	}
	in := &s3.PutObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(key)}
	if o.Input != nil {
		o.Input(j.v, in)
		in.Bucket, in.Key = aws.String(o.Bucket), aws.String(key)
	}
	tin, err := uploadInput(in)
	if err != nil {
		return w.objectError(j, key, fmt.Errorf("input: %s", strings.TrimPrefix(err.Error(), "s3sink: ")))
	}
	r, err := o.Body(j.v)
	if err != nil {
		return w.objectError(j, key, fmt.Errorf("body: %w", err))
	}
	if r == nil {
		return w.objectError(j, key, errors.New("nil io.Reader from Objects.Body"))
	}
	closed := false
	if c, ok := r.(io.Closer); ok {
		defer func() {
			if !closed {
				c.Close() // after a panic
			}
		}()
	}
	b := newBody(j.ctx, contentLength(in))
	b.r = r
	_, err = upload(j.ctx, w.client, tin, b, w.cfg, "body")
	if c, ok := r.(io.Closer); ok {
		closed = true
		if cerr := c.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing the body: %w", cerr)
		}
	}
	if err != nil {
		return w.objectError(j, key, err)
	}
	return nil
}

func (w *writer[V]) objectError(j job[V], key string, err error) *ObjectError {
	return &ObjectError{Value: j.i + 1, Key: key, Err: err, bucket: w.o.Bucket}
}

// finish ends value i in the ring, which failed when err is not nil, and
// tells the saver when the values done advanced.
func (w *writer[V]) finish(i int64, err error) {
	advanced, _ := w.ring.end(i, err)
	if err != nil {
		w.fail()
		return
	}
	if advanced > 0 {
		select {
		case w.kick <- struct{}{}:
		default: // the saver has been told already
		}
	}
}

// fail closes w.failed, once.
func (w *writer[V]) fail() {
	w.failOnce.Do(func() { close(w.failed) })
}

// saveFailed returns the failure of the checkpoint that stopped the
// Write, or nil.
func (w *writer[V]) saveFailed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopErr
}

// end saves the checkpoint of the values done, when it is behind, and
// returns the Result and error of the Write, which ended as dispatch said.
// The workers and the saver have returned.
func (w *writer[V]) end(ctx context.Context, ended bool, srcErr error) (Result, error) {
	done, last := w.ring.progress()
	_, objects := w.ring.counts()
	res := Result{Values: done, Objects: objects}
	if done > 0 && w.cursor != nil {
		// An error here is the saver's too, or will be the last save's.
		res.Cursor, _ = sinkrun.CursorOf(names, w.cursor, done, last)
	}
	if w.o.Checkpoint != nil && done > w.savedDone {
		sctx := ctx
		if sluice.ContextError(ctx) != nil {
			var cancel context.CancelFunc
			sctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
			defer cancel()
		}
		w.saveErr = w.save(sctx)
	}
	w.panic.Raise() // raised again here, the uploads ended and the checkpoint saved

	failAt, failErr := w.ring.failure()
	var cause error
	switch {
	case ended && failAt < 0 && w.stopErr == nil:
		if w.saveErr == nil {
			return res, nil
		}
		cause = w.saveErr
	case sluice.ContextError(ctx) != nil:
		cause = names.Stopped(w.got, sluice.ContextError(ctx))
	case failAt >= 0:
		cause = failErr
	case srcErr != nil:
		cause = names.SourceFailed(w.got, srcErr)
	default:
		cause = w.stopErr
	}
	return res, w.stoppedBy(cause, res)
}

// stoppedBy returns the error of a Write stopped by cause, saying how far
// it got.
func (w *writer[V]) stoppedBy(cause error, res Result) error {
	done := "no value done"
	if span := names.Span(1, res.Values); span != "" {
		done = span + " done"
	}
	if w.o.Checkpoint != nil && res.Values > 0 && w.saveErr == nil {
		done += fmt.Sprintf("; checkpoint at value %d", res.Values)
	}
	var later string
	switch n := res.Objects - res.Values; {
	case n == 1:
		later = "; 1 object of a later value written too"
	case n > 1:
		later = fmt.Sprintf("; %d objects of later values written too", n)
	}
	prefix := ""
	if _, ok := cause.(*ObjectError); !ok {
		prefix = "s3sink: write to s3://" + w.o.Bucket + ": "
	}
	if w.saveErr != nil && w.saveErr.Error() != cause.Error() {
		return fmt.Errorf("%s%w (%s; checkpoint not saved: %w%s)", prefix, cause, done, w.saveErr, later)
	}
	return fmt.Errorf("%s%w (%s%s)", prefix, cause, done, later)
}
