package sluice_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-go/sluice"
)

// The first error of any part ends a merge, canceling the others, even one
// blocked in its source.
func TestMergeFirstErrorCancelsTheOthers(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	s := &ints{n: 10}
	ch, stop := sluice.Merge(ctx, []func(context.Context) iter.Seq2[int, error]{
		func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, 2) }, // blocks until the merge's ctx is canceled
		func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, 1, boom) },
	}, nil)
	drain(ch)
	if err := stop(); err != boom {
		t.Fatalf("stop() = %v, want boom", err)
	}
	if n := s.open.Load(); n != 0 {
		t.Fatalf("%d parts still open after stop", n)
	}
}

func TestMergeAllValues(t *testing.T) {
	ctx := context.Background()
	ch, stop := sluice.Merge(ctx, []func(context.Context) iter.Seq2[int, error]{
		func(ctx context.Context) iter.Seq2[int, error] { return part(ctx, 1, 2, 3) },
		func(ctx context.Context) iter.Seq2[int, error] { return part(ctx) },
		func(ctx context.Context) iter.Seq2[int, error] { return part(ctx, 4, 5) },
	}, &sluice.StreamOptions{Buffer: 2})
	got := drain(ch)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("merged %v, want 1..5", got)
	}
}

func TestMergeNone(t *testing.T) {
	ch, stop := sluice.Merge[int](context.Background(), nil, nil)
	if got := drain(ch); len(got) != 0 {
		t.Fatalf("merge of nothing yielded %v", got)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// Each value reaches every output, and consumers may read the outputs in
// any order without deadlocking the tee.
func TestTeeAnyReadOrder(t *testing.T) {
	ctx := context.Background()
	outs, stop := sluice.Tee(ctx, (&ints{n: 50}).all(ctx), 3, nil)
	defer stop()
	for i := range 50 {
		// Read the outputs in a rotating order, one value each.
		for j := range 3 {
			o := outs[(i+j)%3]
			if v := <-o; v != i {
				t.Fatalf("output %d value %d = %d", (i+j)%3, i, v)
			}
		}
	}
	for i, o := range outs {
		if _, ok := <-o; ok {
			t.Fatalf("output %d not closed after the last value", i)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestTeeBadCount(t *testing.T) {
	outs, stop := sluice.Tee(context.Background(), part(context.Background(), 1), 0, nil)
	if outs != nil {
		t.Fatalf("Tee(…, 0) returned %d channels", len(outs))
	}
	if err := stop(); err == nil || !strings.Contains(err.Error(), "Tee of 0 channels") {
		t.Fatalf("stop() = %v, want an error naming the count", err)
	}
}

func TestBridgeInOrderAndError(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("boom")
	parts := make(chan iter.Seq2[int, error], 4)
	parts <- part(ctx, 1, 2)
	parts <- part(ctx, 3)
	parts <- failing(boom)
	parts <- part(ctx, 4) // never ranged
	close(parts)
	ch, stop := sluice.Bridge(ctx, parts, nil)
	got := drain(ch)
	if err := stop(); err != boom {
		t.Fatalf("stop() = %v, want boom", err)
	}
	if !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("bridged %v, want [1 2 3]", got)
	}
}

// A bridge whose parts come from another goroutine, then stopped while it
// waits for the next part.
func TestBridgeStopWhileWaiting(t *testing.T) {
	ctx := context.Background()
	parts := make(chan iter.Seq2[int, error])
	ch, stop := sluice.Bridge(ctx, parts, nil)
	go func() { parts <- part(ctx, 7) }()
	if v := <-ch; v != 7 {
		t.Fatalf("got %d, want 7", v)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop() while waiting for a part = %v, want nil", err)
	}
}

func TestBridgeNil(t *testing.T) {
	_, stop := sluice.Bridge[int](context.Background(), nil, nil)
	if err := stop(); err == nil || !strings.Contains(err.Error(), "nil channel") {
		t.Fatalf("stop() = %v, want an error naming the nil channel", err)
	}
}

// Buffer stops its upstream stage when it is stopped.
func TestBufferStopsUpstream(t *testing.T) {
	ctx := context.Background()
	s := &ints{n: 1000}
	up, upStop := sluice.Stream(ctx, s.all(ctx), nil)
	ch, stop := sluice.Buffer(ctx, sluice.FromStream(up, upStop), 16, nil)
	if cap(ch) != 16 {
		t.Fatalf("cap = %d, want 16", cap(ch))
	}
	<-ch
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := s.open.Load(); n != 0 {
		t.Fatal("upstream source still open after the buffer was stopped")
	}
}

// StreamFunc's stop reaches a source blocked inside its underlying API, not
// only one blocked in a send.
func TestStreamFuncStopReachesABlockedSource(t *testing.T) {
	s := &ints{n: 10}
	ch, stop := sluice.StreamFunc(context.Background(), func(ctx context.Context) iter.Seq2[int, error] {
		return s.stall(ctx, 1)
	}, nil)
	<-ch // the source is now blocked until its ctx is done
	if err := stop(); err != nil {
		t.Fatalf("stop() = %v, want nil", err)
	}
	if n := s.open.Load(); n != 0 {
		t.Fatal("the source is still open after stop returned")
	}
}
