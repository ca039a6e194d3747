package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sluice-go/sluice/conformance"
)

// A fake is a source of the ints 0..n-1 that keeps the contract unless one
// of its defects is switched on. Each defect is a way real sources break.
type fake struct {
	n    int
	open atomic.Int32
	// release unblocks everything a defect left blocked, so a broken
	// source does not outlive its test.
	release chan struct{}

	// iterator defects
	ignoreCtx        bool // never looks at ctx
	silentOnCancel   bool // returns without an error when ctx is done
	cancelErrPlain   bool // reports cancellation with an error that does not wrap ctx.Err()
	deadlineCanceled bool // reports any cancellation as context.Canceled
	leakOnBreak      bool // releases its resource only at the natural end
	leakGoroutine    bool // leaves a goroutine running
	eager            bool // starts a goroutine before it is ranged
	yieldAfterFalse  bool // goes on yielding after yield returned false
	valueAfterError  bool // yields a value after its error
	nonZeroErrValue  bool // pairs its error with a value
	swallowFailure   bool // Fail ends without the error
	failNoWrap       bool // Fail's error does not wrap the cause
	swallowPanic     bool // recovers a panic of the loop body
	changePanic      bool // re-panics with another value
	stallIgnoresCtx  bool // Stall blocks until release, not ctx.Done
	resumeRepeats    bool // After yields the cursor's own value again
	resumeSkips      bool // After skips the value after the cursor
	resumeLosesAfter int  // After(the cursor of this value) skips the next value; 0: none
	badCursorRestart bool // After reads a malformed cursor as "", the start
	badCursorEnd     bool // After reads a cursor past the end as the end
	badCursorLate    bool // After refuses a malformed cursor only after reading from the start
	singleUse        bool // a second range yields nothing
	wrongValue       bool // value 3 is off by 100
	slowBreak        bool // takes long to return after yield returned false

	// channel defects
	sendNoSelect    bool // sends without selecting on ctx
	stopNoWait      bool // stop returns before the producer exits
	neverClose      bool // never closes the channel
	stopErrOnStop   bool // stop reports context.Canceled when the consumer stopped
	stopNilOnCancel bool // stop reports nil when the parent ctx was canceled
	stopOnceOnly    bool // a second stop reports something else
	streamUnordered bool // sends in reverse order
	stallOnParent   bool // a stalled producer waits on the parent ctx, which stop does not cancel
	dropFailure     bool // stop returns nil after the source failed (cancellations still reported)
	failLate        bool // the channel form fails one value after its source
}

func newFake(n int) *fake { return &fake{n: n, release: make(chan struct{})} }

func (f *fake) source() conformance.Source[int] {
	want := make([]int, f.n)
	for i := range want {
		want[i] = i
	}
	return conformance.Source[int]{
		All:    func(ctx context.Context) iter.Seq2[int, error] { return f.seq(ctx, 0, -1, nil, -1) },
		Stream: f.stream,
		Want:   want,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[int, error] {
			return f.seq(ctx, 0, n, err, -1)
		},
		Stall: func(ctx context.Context, n int) iter.Seq2[int, error] {
			return f.seq(ctx, 0, -1, nil, n)
		},
		StreamFail: func(ctx context.Context, n int, err error) (<-chan int, func() error) {
			return f.streamFrom(ctx, -1, n, err)
		},
		Cursor: func(v int) string { return "v1:" + strconv.Itoa(v) },
		After:  f.after,
		BadCursors: []string{
			"3",                         // no version
			"v2:3",                      // another version
			"v1:zz",                     // malformed
			"v1:-4",                     // before the start
			"v1:" + strconv.Itoa(f.n+5), // past the end
		},
		StreamStall: func(ctx context.Context, n int) (<-chan int, func() error) {
			return f.streamFrom(ctx, n, -1, nil)
		},
		Open: func() int { return int(f.open.Load()) },
	}
}

var errBadCursor = errors.New("fake: bad cursor")

// after resumes strictly after cursor, "v1:" and the index of a value.
func (f *fake) after(ctx context.Context, cursor string) iter.Seq2[int, error] {
	if cursor == "" {
		return f.seq(ctx, 0, -1, nil, -1)
	}
	bad := func(why string) iter.Seq2[int, error] {
		err := fmt.Errorf("%w %q: %s", errBadCursor, cursor, why)
		if f.badCursorLate {
			return f.seq(ctx, 0, f.n, err, -1)
		}
		return func(yield func(int, error) bool) { yield(0, err) }
	}
	pos, ok := strings.CutPrefix(cursor, "v1:")
	if !ok {
		if f.badCursorRestart {
			return f.seq(ctx, 0, -1, nil, -1)
		}
		return bad("not v1")
	}
	c, err := strconv.Atoi(pos)
	switch {
	case err != nil && f.badCursorRestart:
		return f.seq(ctx, 0, -1, nil, -1)
	case err != nil:
		return bad(err.Error())
	case c >= f.n && f.badCursorEnd:
		return f.seq(ctx, f.n, -1, nil, -1)
	case c < 0 || c >= f.n:
		return bad("outside the source")
	}
	from := c + 1
	switch {
	case f.resumeRepeats:
		from = c
	case f.resumeSkips && c < f.n-2, f.resumeLosesAfter > 0 && c == f.resumeLosesAfter:
		from = c + 2
	}
	return f.seq(ctx, from, -1, nil, -1)
}

// ctxErr is how the fake reports a done ctx, defects included.
func (f *fake) ctxErr(ctx context.Context) error {
	err := ctx.Err()
	switch {
	case f.cancelErrPlain:
		return errors.New("fake: stopped")
	case f.deadlineCanceled:
		return context.Canceled
	}
	return err
}

// seq yields from..n-1; it fails with failErr after failAfter values
// (failAfter >= 0) or stalls after stallAfter values (stallAfter >= 0).
func (f *fake) seq(ctx context.Context, from, failAfter int, failErr error, stallAfter int) iter.Seq2[int, error] {
	if f.eager {
		go func() { <-f.release }()
	}
	var used atomic.Bool
	return func(yield func(int, error) bool) {
		if f.singleUse && used.Swap(true) {
			return
		}
		f.open.Add(1)
		closed := false
		closeRes := func() {
			if !closed {
				closed = true
				f.open.Add(-1)
			}
		}
		if !f.leakOnBreak {
			defer closeRes()
		}
		if f.leakGoroutine {
			go func() { <-f.release }()
		}
		if f.swallowPanic || f.changePanic {
			defer func() {
				if v := recover(); v != nil && f.changePanic {
					panic(fmt.Sprintf("fake: %v", v))
				}
			}()
		}
		stopped := false
		if f.slowBreak {
			defer func() {
				if stopped {
					time.Sleep(300 * time.Millisecond)
				}
			}()
		}
		emit := func(v int, err error) {
			if stopped && !f.yieldAfterFalse {
				return
			}
			if !yield(v, err) {
				stopped = true
			}
		}
		fail := func(err error) {
			v := 0
			if f.nonZeroErrValue {
				v = 42
			}
			emit(v, err)
			if f.valueAfterError {
				emit(7, nil)
			}
		}
		for i, k := from, 0; i < f.n; i, k = i+1, k+1 {
			if k == failAfter {
				if f.swallowFailure {
					return
				}
				if f.failNoWrap {
					failErr = fmt.Errorf("fake: %v", failErr)
				}
				fail(failErr)
				return
			}
			if k == stallAfter {
				if f.stallIgnoresCtx {
					<-f.release
				} else {
					<-ctx.Done()
				}
				fail(f.ctxErr(ctx))
				return
			}
			if !f.ignoreCtx && ctx.Err() != nil {
				if f.silentOnCancel {
					return
				}
				fail(f.ctxErr(ctx))
				return
			}
			v := i
			if f.wrongValue && i == 3 {
				v += 100
			}
			emit(v, nil)
			if stopped && !f.yieldAfterFalse {
				return
			}
		}
		if failAfter >= f.n-from {
			fail(failErr)
			return
		}
		closeRes()
	}
}

// stream is a hand-written channel form, so its defects are its own.
func (f *fake) stream(parent context.Context) (<-chan int, func() error) {
	return f.streamFrom(parent, -1, -1, nil)
}

// streamFrom stalls after stallAfter values when stallAfter >= 0, and
// fails with failErr after failAfter values when failAfter >= 0.
func (f *fake) streamFrom(parent context.Context, stallAfter, failAfter int, failErr error) (<-chan int, func() error) {
	if f.failLate && failAfter >= 0 {
		failAfter++
	}
	ctx, cancel := context.WithCancel(parent)
	out := make(chan int)
	done := make(chan struct{})
	var err error                    // the context's error, when the producer saw it done
	var failed atomic.Pointer[error] // the source's own failure
	go func() {
		defer close(done)
		if !f.neverClose {
			defer close(out)
		}
		if f.stopNoWait {
			// Exit slowly, so a stop that does not wait returns while
			// the channel is still open.
			defer time.Sleep(300 * time.Millisecond)
		}
		for i := range f.n {
			if i == failAfter {
				failed.Store(&failErr)
				return
			}
			if i == stallAfter {
				if f.stallOnParent {
					select {
					case <-parent.Done():
					case <-f.release:
					}
				} else {
					<-ctx.Done()
				}
				err = ctx.Err()
				return
			}
			v := i
			if f.streamUnordered {
				v = f.n - 1 - i
			}
			if ctx.Err() != nil && !f.sendNoSelect {
				err = ctx.Err()
				return
			}
			if f.sendNoSelect {
				select {
				case out <- v:
				case <-f.release:
					return
				}
				continue
			}
			select {
			case out <- v:
			case <-ctx.Done():
				err = ctx.Err()
				return
			}
		}
		if failAfter >= f.n {
			failed.Store(&failErr) // after the last value
		}
	}()
	var calls atomic.Int32
	stop := func() error {
		first := calls.Add(1) == 1
		cancel()
		if !f.stopNoWait {
			<-done
		}
		switch {
		case f.stopOnceOnly && !first:
			return errors.New("fake: already stopped")
		case f.stopNilOnCancel:
			return nil
		case failed.Load() != nil && !f.dropFailure:
			return *failed.Load()
		case parent.Err() != nil:
			return parent.Err()
		case f.stopErrOnStop:
			return err
		}
		return nil
	}
	return out, stop
}
