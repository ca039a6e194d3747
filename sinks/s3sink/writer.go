package s3sink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice"
)

// errPanicked is the Err of the ObjectError of a value whose Key, Input,
// Body or reader panicked; Write raises the panic again when the uploads
// have ended.
var errPanicked = errors.New("panicked")

// writer is the state of one Write.
//
// The calling goroutine ranges the stream and hands each value to a
// worker through jobs; the workers write the objects and report each
// value's end in finish. The values read and not yet counted done have
// a slot each in a ring of window slots (value i in slots[i % window]),
// which sem counts: the reading takes a place in sem before it reads on,
// and finish gives back the places of the values it counts done. So
// values are counted done in the order of the stream, however their
// uploads end, and no more than window of them wait to be.
type writer[V any] struct {
	o       *Objects[V]
	client  Client
	cfg     config
	cursor  func(V) (string, bool)
	workers int
	window  int64

	sem      chan struct{}
	failed   chan struct{} // closed at the first failure
	failOnce sync.Once
	kick     chan struct{} // tells the saver that the values done advanced

	mu       sync.Mutex
	slots    []slot[V]
	done     int64 // values done: all of 0 … done-1 are written
	read     int64 // values handed to the workers (or about to be)
	got      int64 // values read from the stream, by dispatch alone
	objects  int64 // objects written
	last     V     // value done-1
	failAt   int64 // the first value (in the stream) that failed, or -1
	failErr  error // its *ObjectError
	stopErr  error // a failure of the checkpoint
	panicked bool
	panicV   any

	// Of the saver, and after it of Write's last save.
	savedDone int64
	saveErr   error
}

// A slot is a value between its reading and its being counted done.
type slot[V any] struct {
	v      V
	cancel context.CancelFunc // of its upload, until it ends
	ended  bool               // its object is written
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
		select {
		case w.sem <- struct{}{}:
		case <-w.failed:
			return false, nil
		case <-done:
			return false, nil
		}
		jctx, cancel := context.WithCancel(runCtx)
		w.mu.Lock()
		if w.failAt >= 0 || w.stopErr != nil {
			w.mu.Unlock()
			cancel()
			return false, nil
		}
		i := w.read
		w.read++
		w.slots[i%w.window] = slot[V]{v: v, cancel: cancel}
		w.mu.Unlock()
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
		if v := recover(); v != nil {
			w.mu.Lock()
			if !w.panicked {
				w.panicked, w.panicV = true, v
			}
			w.mu.Unlock()
			err = w.objectError(j, key, errPanicked)
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

// finish records the end of value i's upload, which failed when err is
// not nil, and counts done the values it completes.
func (w *writer[V]) finish(i int64, err error) {
	w.mu.Lock()
	s := &w.slots[i%w.window]
	s.cancel()
	s.cancel = nil
	if err != nil {
		if w.failAt < 0 || i < w.failAt {
			w.failAt, w.failErr = i, err
			// The values after it cannot be counted done: stop writing
			// them. Those before it go on, to bring the values done up
			// to it.
			for k := i + 1; k < w.read; k++ {
				if c := w.slots[k%w.window].cancel; c != nil {
					c()
				}
			}
		}
		w.mu.Unlock()
		w.fail()
		return
	}
	w.objects++
	s.ended = true
	advanced := 0
	for w.done < w.read {
		s := &w.slots[w.done%w.window]
		if !s.ended {
			break
		}
		w.last = s.v
		*s = slot[V]{}
		w.done++
		advanced++
	}
	w.mu.Unlock()
	for range advanced {
		<-w.sem
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

// saver saves the checkpoint whenever the values done advance, at most
// once every SaveEvery, until stop is closed. A save that fails stops the
// Write.
func (w *writer[V]) saver(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-w.kick:
		case <-stop:
			return
		}
		if err := w.save(ctx); err != nil {
			if sluice.ContextError(ctx) == nil {
				w.mu.Lock()
				if w.stopErr == nil {
					w.stopErr = err
				}
				w.mu.Unlock()
				w.fail()
			}
			return
		}
		if w.o.SaveEvery > 0 {
			t := time.NewTimer(w.o.SaveEvery)
			select {
			case <-t.C:
			case <-stop:
				t.Stop()
				return
			}
		}
	}
}

// save saves the cursor of the last value done, if the values done have
// advanced since the last save.
func (w *writer[V]) save(ctx context.Context) error {
	w.mu.Lock()
	done, last := w.done, w.last
	w.mu.Unlock()
	if done == w.savedDone {
		return nil
	}
	cursor, err := w.cursorOf(done, last)
	if err != nil {
		return err
	}
	if err := w.o.Checkpoint.Save(ctx, w.o.Name, cursor); err != nil {
		if !strings.HasPrefix(err.Error(), "checkpoint: ") {
			err = fmt.Errorf("checkpoint: %w", err) // a Store of the caller's
		}
		return err
	}
	w.savedDone = done
	return nil
}

// cursorOf returns the cursor of v, the value number n.
func (w *writer[V]) cursorOf(n int64, v V) (string, error) {
	c, ok := w.cursor(v)
	if !ok {
		return "", fmt.Errorf("value %d: a nil %v has no cursor", n, reflect.TypeFor[V]())
	}
	return c, nil
}

// end saves the checkpoint of the values done, when it is behind, and
// returns the Result and error of the Write, which ended as dispatch said.
// The workers and the saver have returned.
func (w *writer[V]) end(ctx context.Context, ended bool, srcErr error) (Result, error) {
	res := Result{Values: w.done, Objects: w.objects}
	if w.done > 0 && w.cursor != nil {
		// An error here is the saver's too, or will be the last save's.
		res.Cursor, _ = w.cursorOf(w.done, w.last)
	}
	if w.o.Checkpoint != nil && w.done > w.savedDone {
		sctx := ctx
		if sluice.ContextError(ctx) != nil {
			var cancel context.CancelFunc
			sctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
			defer cancel()
		}
		w.saveErr = w.save(sctx)
	}
	if w.panicked {
		panic(w.panicV) // raised again here, the uploads ended and the checkpoint saved
	}

	var cause error
	switch {
	case ended && w.failAt < 0 && w.stopErr == nil:
		if w.saveErr == nil {
			return res, nil
		}
		cause = w.saveErr
	case sluice.ContextError(ctx) != nil:
		cause = fmt.Errorf("stopped after value %d: %w", w.got, sluice.ContextError(ctx))
	case w.failAt >= 0:
		cause = w.failErr
	case srcErr != nil:
		cause = fmt.Errorf("source failed after value %d: %w", w.got, srcErr)
	default:
		cause = w.stopErr
	}
	return res, w.stopped(cause)
}

// stopped returns the error of a Write stopped by cause, saying how far it
// got.
func (w *writer[V]) stopped(cause error) error {
	var done, later string
	switch w.done {
	case 0:
		done = "no value done"
	case 1:
		done = "value 1 done"
	default:
		done = fmt.Sprintf("values 1 to %d done", w.done)
	}
	if w.o.Checkpoint != nil && w.done > 0 && w.saveErr == nil {
		done += fmt.Sprintf("; checkpoint at value %d", w.done)
	}
	switch n := w.objects - w.done; {
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
