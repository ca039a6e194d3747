package sluice_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
)

func drain[V any](ch <-chan V) []V {
	var got []V
	for v := range ch {
		got = append(got, v)
	}
	return got
}

func TestStreamDrainedStopNil(t *testing.T) {
	rec := &recorder{}
	s := &ints{n: 5}
	ch, stop := sluice.Stream(context.Background(), s.all(context.Background()), &sluice.StreamOptions{Name: "five", Observer: rec})
	if got := drain(ch); len(got) != 5 {
		t.Fatalf("drained %v, want 5 values", got)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop() = %v, want nil", err)
	}
	if len(rec.ends) != 1 {
		t.Fatalf("Ended called %d times, want 1", len(rec.ends))
	}
	e := rec.ends[0]
	if e.Reason != sluice.Exhausted || e.Items != 5 || e.Err != nil || e.Stream != "five" {
		t.Fatalf("EndEvent = %+v, want five, Exhausted, 5 items, nil error", e)
	}
	if len(rec.sends) != 5 {
		t.Fatalf("Sent called %d times, want 5", len(rec.sends))
	}
}

func TestStreamEarlyStopIsNotAnError(t *testing.T) {
	rec := &recorder{}
	ch, stop := sluice.Stream(context.Background(), (&ints{n: 100}).all(context.Background()), &sluice.StreamOptions{Observer: rec})
	<-ch
	if err := stop(); err != nil {
		t.Fatalf("stop() after an early stop = %v, want nil", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("second stop() = %v, want nil", err)
	}
	if e := rec.ends[0]; e.Reason != sluice.Stopped || e.Err != nil {
		t.Fatalf("EndEvent = %+v, want Stopped with nil error", e)
	}
}

func TestStreamParentCanceledWithCause(t *testing.T) {
	rec := &recorder{}
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("shutting down")
	s := &ints{n: 100}
	ch, stop := sluice.Stream(ctx, s.all(ctx), &sluice.StreamOptions{Observer: rec})
	<-ch
	cancel(cause)
	err := stop()
	if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
		t.Fatalf("stop() = %v, want an error matching both context.Canceled and the cause", err)
	}
	if e := rec.ends[0]; e.Reason != sluice.Canceled || !errors.Is(e.Err, cause) {
		t.Fatalf("EndEvent = %+v, want Canceled with the cause", e)
	}
}

func TestStreamDeadline(t *testing.T) {
	rec := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	s := &ints{n: 100}
	ch, stop := sluice.Stream(ctx, s.all(ctx), &sluice.StreamOptions{Observer: rec})
	<-ch
	<-ctx.Done()
	if err := stop(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stop() = %v, want context.DeadlineExceeded", err)
	}
	if e := rec.ends[0]; e.Reason != sluice.DeadlineExceeded {
		t.Fatalf("EndEvent.Reason = %v, want DeadlineExceeded", e.Reason)
	}
}

func TestStreamSourceFailure(t *testing.T) {
	rec := &recorder{}
	boom := errors.New("boom")
	ctx := context.Background()
	ch, stop := sluice.Stream(ctx, (&ints{n: 10}).fail(ctx, 3, boom), &sluice.StreamOptions{Observer: rec})
	if got := drain(ch); len(got) != 3 {
		t.Fatalf("drained %v, want 3 values", got)
	}
	if err := stop(); err != boom {
		t.Fatalf("stop() = %v, want %v", err, boom)
	}
	if e := rec.ends[0]; e.Reason != sluice.Failed || e.Err != boom || e.Items != 3 {
		t.Fatalf("EndEvent = %+v, want Failed, boom, 3 items", e)
	}
}

func TestStreamPanicReachesStop(t *testing.T) {
	seq := func(yield func(int, error) bool) {
		yield(1, nil)
		panic("source bug")
	}
	ch, stop := sluice.Stream(context.Background(), seq, nil)
	drain(ch) // the channel is closed despite the panic
	defer func() {
		v := recover()
		pe, ok := v.(*sluice.PanicError)
		if !ok || pe.Value != "source bug" || !bytes.Contains(pe.Stack, []byte("TestStreamPanicReachesStop")) {
			t.Fatalf("stop panicked with %#v, want a *PanicError carrying the value and the producer's stack", v)
		}
	}()
	stop()
	t.Fatal("stop returned, want a panic")
}

func TestStreamNilSeq(t *testing.T) {
	ch, stop := sluice.Stream[int](context.Background(), nil, nil)
	if _, ok := <-ch; ok {
		t.Fatal("received a value from a stream of a nil iterator")
	}
	if err := stop(); err == nil || !strings.Contains(err.Error(), "nil iterator") {
		t.Fatalf("stop() = %v, want an error naming the nil iterator", err)
	}
}

// A slow consumer shows in the observer: sends wait, and a buffer fills.
func TestStreamObserverSeesBackpressure(t *testing.T) {
	rec := &recorder{}
	ctx := context.Background()
	ch, stop := sluice.Stream(ctx, (&ints{n: 20}).all(ctx), &sluice.StreamOptions{Buffer: 4, Observer: rec})
	for range ch {
		time.Sleep(time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var waited, full bool
	for _, e := range rec.sends {
		if e.Cap != 4 {
			t.Fatalf("SendEvent.Cap = %d, want 4", e.Cap)
		}
		waited = waited || e.Wait > 0
		full = full || e.Len == 4
	}
	if !waited || !full {
		t.Fatalf("with a slow consumer: some send waited = %v, buffer seen full = %v; want both", waited, full)
	}
}

// A named stream's goroutine carries the pprof label sluice.stream.
func TestStreamPprofLabel(t *testing.T) {
	ctx := context.Background()
	ch, stop := sluice.Stream(ctx, (&ints{n: 100}).all(ctx), &sluice.StreamOptions{Name: "labelled"})
	defer stop()
	<-ch // the producer is now blocked sending the next value
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"sluice.stream":"labelled"`) {
		t.Fatalf("goroutine profile has no sluice.stream label:\n%s", buf.String())
	}
}

func TestContextError(t *testing.T) {
	if err := sluice.ContextError(context.Background()); err != nil {
		t.Fatalf("ContextError of a live context = %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sluice.ContextError(ctx); err != context.Canceled {
		t.Fatalf("ContextError = %v, want context.Canceled itself", err)
	}
	cause := errors.New("quota")
	ctx, cancelCause := context.WithCancelCause(context.Background())
	cancelCause(cause)
	err := sluice.ContextError(ctx)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
		t.Fatalf("ContextError = %v, want both context.Canceled and the cause", err)
	}
	// A cause that wraps the context's error already is kept whole, not
	// dropped for the bare context.Canceled.
	shutdown := fmt.Errorf("shutdown: %w", context.Canceled)
	ctx, cancelCause = context.WithCancelCause(context.Background())
	cancelCause(shutdown)
	if err := sluice.ContextError(ctx); err != shutdown {
		t.Fatalf("ContextError = %v, want the cause %v itself", err, shutdown)
	}
}

func TestReason(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want sluice.Reason
		name string
	}{
		{nil, sluice.Exhausted, "exhausted"},
		{context.Canceled, sluice.Canceled, "canceled"},
		{context.DeadlineExceeded, sluice.DeadlineExceeded, "deadline_exceeded"},
		{errors.New("x"), sluice.Failed, "failed"},
	} {
		if got := sluice.ReasonOf(tt.err); got != tt.want || got.String() != tt.name {
			t.Errorf("ReasonOf(%v) = %v, want %v", tt.err, got, tt.name)
		}
	}
	if got := sluice.Stopped.String(); got != "stopped" {
		t.Errorf("Stopped.String() = %q", got)
	}
}

func TestFromStreamSingleUse(t *testing.T) {
	ctx := context.Background()
	seq := sluice.FromStream(sluice.Stream(ctx, (&ints{n: 3}).all(ctx), nil))
	n := 0
	for _, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	var errs []error
	for v, err := range seq {
		if err == nil {
			t.Fatalf("second range yielded %v", v)
		}
		errs = append(errs, err)
	}
	if n != 3 || len(errs) != 1 || !errors.Is(errs[0], sluice.ErrReused) {
		t.Fatalf("first range %d values, second range errors %v; want 3 and [ErrReused]", n, errs)
	}
}

func TestFromStreamNilChannel(t *testing.T) {
	for _, err := range sluice.FromStream[int](nil, nil) {
		if err == nil || !strings.Contains(err.Error(), "nil channel") {
			t.Fatalf("got %v, want an error naming the nil channel", err)
		}
		return
	}
	t.Fatal("FromStream(nil) yielded nothing, want an error")
}

func TestBatch(t *testing.T) {
	ctx := context.Background()
	var sizes []int
	for b, err := range sluice.Batch((&ints{n: 12}).all(ctx), 5) {
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(b))
	}
	if len(sizes) != 3 || sizes[0] != 5 || sizes[1] != 5 || sizes[2] != 2 {
		t.Fatalf("batch sizes %v, want [5 5 2]", sizes)
	}

	// A failure yields the values before it, then the error.
	boom := errors.New("boom")
	var got []int
	var gotErr error
	for b, err := range sluice.Batch((&ints{n: 12}).fail(ctx, 7, boom), 5) {
		if err != nil {
			gotErr = err
			break
		}
		got = append(got, b...)
	}
	if len(got) != 7 || gotErr != boom {
		t.Fatalf("got %v then %v, want 7 values then boom", got, gotErr)
	}

	for _, err := range sluice.Batch(failing(nil), 0) {
		if err == nil || !strings.Contains(err.Error(), "Batch size 0") {
			t.Fatalf("Batch(seq, 0) = %v, want an error naming the size", err)
		}
	}
}

func TestConcatFlattenStopAtError(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	var got []int
	var gotErr error
	for v, err := range sluice.Concat(part(ctx, 1, 2), failing(boom), part(ctx, 3)) {
		if err != nil {
			gotErr = err
			continue
		}
		got = append(got, v)
	}
	if len(got) != 2 || gotErr != boom {
		t.Fatalf("Concat: got %v then %v, want [1 2] then boom", got, gotErr)
	}
	outer := func(yield func(iter.Seq2[int, error], error) bool) {
		if yield(part(ctx, 1), nil) {
			yield(nil, boom)
		}
	}
	got, gotErr = nil, nil
	for v, err := range sluice.Flatten(outer) {
		if err != nil {
			gotErr = err
			continue
		}
		got = append(got, v)
	}
	if len(got) != 1 || gotErr != boom {
		t.Fatalf("Flatten: got %v then %v, want [1] then boom", got, gotErr)
	}
}

func TestStreamNegativeBuffer(t *testing.T) {
	ch, stop := sluice.Stream(context.Background(), part(context.Background(), 1), &sluice.StreamOptions{Buffer: -1})
	if _, ok := <-ch; ok {
		t.Fatal("received a value despite the invalid option")
	}
	if err := stop(); err == nil || !strings.Contains(err.Error(), "Buffer is -1") {
		t.Fatalf("stop() = %v, want an error naming the buffer", err)
	}
}

// A source that calls runtime.Goexit (t.FailNow in a helper, say) ends the
// stream with an error, not as if it were complete.
func TestStreamGoexitIsAFailure(t *testing.T) {
	seq := func(yield func(int, error) bool) {
		yield(1, nil)
		runtime.Goexit()
	}
	ch, stop := sluice.Stream(context.Background(), seq, nil)
	drain(ch)
	if err := stop(); err == nil || !strings.Contains(err.Error(), "Goexit") {
		t.Fatalf("stop() = %v, want an error naming runtime.Goexit", err)
	}
}

func TestFailedStream(t *testing.T) {
	boom := errors.New("boom")
	ch, stop := sluice.FailedStream[int](boom)
	if _, ok := <-ch; ok {
		t.Fatal("FailedStream's channel is open")
	}
	for range 2 {
		if err := stop(); err != boom {
			t.Fatalf("stop() = %v, want %v", err, boom)
		}
	}
}
