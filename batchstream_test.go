package sluice_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
)

// batchSources describes BatchStream over a Stream of ints for the suite:
// in batches of one, compared as they come, so that the suite sees the
// batches themselves; and in batches of up to five, some sent by the
// timer, read back value by value.
func batchSources() []namedSource {
	const n = 12
	var out []namedSource
	{
		s := &ints{n: n}
		upstream := func(ctx context.Context, f func(context.Context) iter.Seq2[int, error]) (<-chan int, func() error) {
			return sluice.StreamFunc(ctx, f, nil)
		}
		batched := func(ctx context.Context, f func(context.Context) iter.Seq2[int, error]) iter.Seq2[int, error] {
			return deferred(func() iter.Seq2[int, error] {
				ch, stop := upstream(ctx, f)
				return sluice.Unbatch(sluice.FromStream(sluice.BatchStream(ctx, ch, stop, 5, time.Millisecond, nil)))
			})
		}
		out = append(out, namedSource{"BatchStream/5", conformance.Source[int]{
			All:  func(ctx context.Context) iter.Seq2[int, error] { return batched(ctx, s.all) },
			Want: s.want(),
			Fail: func(ctx context.Context, k int, err error) iter.Seq2[int, error] {
				return batched(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, k, err) })
			},
			Stall: func(ctx context.Context, k int) iter.Seq2[int, error] {
				return batched(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, k) })
			},
			Cursor: cursor,
			After: func(ctx context.Context, c string) iter.Seq2[int, error] {
				return batched(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.after(ctx, c) })
			},
			BadCursors: badCursors,
			Open:       func() int { return int(s.open.Load()) },
		}})
	}
	return out
}

// ones is BatchStream in batches of one as a source of []int: what the
// suite checks of the channel form, the stop of the stream read
// included, whatever the timing.
func ones() conformance.Source[[]int] {
	const n = 12
	s := &ints{n: n}
	want := make([][]int, n)
	for i := range want {
		want[i] = []int{i}
	}
	stream := func(ctx context.Context, f func(context.Context) iter.Seq2[int, error]) (<-chan []int, func() error) {
		ch, stop := sluice.StreamFunc(ctx, f, nil)
		return sluice.BatchStream(ctx, ch, stop, 1, time.Hour, nil)
	}
	seq := func(ctx context.Context, f func(context.Context) iter.Seq2[int, error]) iter.Seq2[[]int, error] {
		return func(yield func([]int, error) bool) {
			for b, err := range sluice.FromStream(stream(ctx, f)) {
				if !yield(b, err) {
					return
				}
			}
		}
	}
	return conformance.Source[[]int]{
		All:    func(ctx context.Context) iter.Seq2[[]int, error] { return seq(ctx, s.all) },
		Stream: func(ctx context.Context) (<-chan []int, func() error) { return stream(ctx, s.all) },
		StreamFail: func(ctx context.Context, k int, err error) (<-chan []int, func() error) {
			return stream(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, k, err) })
		},
		// The stream read is stalled in its source: BatchStream's stop,
		// and its context, must reach it through the stream's stop.
		StreamStall: func(ctx context.Context, k int) (<-chan []int, func() error) {
			return stream(ctx, func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, k) })
		},
		Want: want,
		Open: func() int { return int(s.open.Load()) },
	}
}

func TestBatchStreamConformance(t *testing.T) {
	for _, s := range batchSources() {
		t.Run(s.name, func(t *testing.T) { conformance.Test(t, s.src, nil) })
	}
	t.Run("BatchStream/1", func(t *testing.T) { conformance.Test(t, ones(), nil) })
}

// A trickle: each value comes only once the batch holding the one before
// has been received, so each batch must go out with its one value, sent by
// the wait and not by a full batch, which would never come.
func TestBatchStreamTrickle(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Millisecond} {
		in := make(chan int)
		received := make(chan struct{})
		go func() {
			defer close(in)
			for i := range 5 {
				in <- i
				select {
				case <-received:
				case <-time.After(watchdog):
					return
				}
			}
		}()
		batches, stop := sluice.BatchStream(context.Background(), in, nil, 100, wait, nil)
		var got [][]int
		for range 5 {
			select {
			case b := <-batches:
				got = append(got, b)
				received <- struct{}{}
			case <-time.After(watchdog):
				t.Fatalf("wait %v: after %v, no batch: a value was held back waiting for a full batch", wait, got)
			}
		}
		for b := range batches {
			got = append(got, b)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if want := [][]int{{0}, {1}, {2}, {3}, {4}}; !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("wait %v: batches %v, want %v", wait, got, want)
		}
	}
}

// A burst: with every value already waiting in the channel, each batch is
// full, but the last.
func TestBatchStreamBurst(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Millisecond, time.Hour} {
		in := make(chan int, 1000)
		for i := range 1000 {
			in <- i
		}
		close(in)
		batches, stop := sluice.BatchStream(context.Background(), in, nil, 64, wait, nil)
		var all []int
		n := 0
		for b := range batches {
			n++
			if len(b) != 64 && len(all)+len(b) != 1000 {
				t.Errorf("wait %v: batch %d holds %d values, want 64 (the last, 1000 %% 64 = 40)", wait, n, len(b))
			}
			all = append(all, b...)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if len(all) != 1000 || !slices.IsSorted(all) || n != 16 {
			t.Errorf("wait %v: %d values in %d batches, want 0..999 in order in 16", wait, len(all), n)
		}
	}
}

// A batch that is not full goes out once its first value has waited: the
// three values before a pause, then the rest when the stream ends.
func TestBatchStreamPartialBatch(t *testing.T) {
	in := make(chan int)
	resume := make(chan struct{})
	go func() {
		defer close(in)
		for i := range 3 {
			in <- i
		}
		<-resume
		in <- 3
	}()
	batches, stop := sluice.BatchStream(context.Background(), in, nil, 10, 5*time.Millisecond, nil)
	defer stop()
	select {
	case b := <-batches:
		if !slices.Equal(b, []int{0, 1, 2}) {
			t.Errorf("first batch %v, want [0 1 2]", b)
		}
	case <-time.After(watchdog):
		t.Fatal("no batch while the stream paused: the wait did not send it")
	}
	close(resume)
	if b := <-batches; !slices.Equal(b, []int{3}) {
		t.Errorf("second batch %v, want [3]", b)
	}
	if _, ok := <-batches; ok {
		t.Error("the channel is not closed after the stream read ended")
	}
}

// Stopping the batch stream while no value comes stops the stream it reads.
func TestBatchStreamStopStopsTheStreamRead(t *testing.T) {
	s := &ints{n: 10}
	ch, upStop := sluice.StreamFunc(context.Background(), func(ctx context.Context) iter.Seq2[int, error] {
		return s.stall(ctx, 2)
	}, nil)
	batches, stop := sluice.BatchStream(context.Background(), ch, upStop, 10, time.Millisecond, nil)
	if b := <-batches; !slices.Equal(b, []int{0, 1}) {
		t.Errorf("got %v, want [0 1]", b)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop() = %v, want nil", err)
	}
	if n := s.open.Load(); n != 0 {
		t.Fatal("the stream read is still open after stop returned")
	}
}

// The error of the stream read comes after the values before it.
func TestBatchStreamError(t *testing.T) {
	s := &ints{n: 10}
	boom := errors.New("boom")
	ch, upStop := sluice.Stream(context.Background(), s.fail(context.Background(), 7, boom), nil)
	got, err := collect(sluice.Unbatch(sluice.FromStream(sluice.BatchStream(context.Background(), ch, upStop, 3, time.Hour, nil))))
	if !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6}) || err != boom {
		t.Errorf("got %v, %v; want 0..6, boom", got, err)
	}
}

// A panic of the stream read reaches BatchStream's stop as it was.
func TestBatchStreamPanic(t *testing.T) {
	ch, upStop := sluice.Stream(context.Background(), func(yield func(int, error) bool) {
		yield(1, nil)
		panic("boom")
	}, nil)
	batches, stop := sluice.BatchStream(context.Background(), ch, upStop, 3, 0, nil)
	drain(batches)
	defer func() {
		p, ok := recover().(*sluice.PanicError)
		if !ok || p.Value != "boom" || !strings.Contains(string(p.Stack), "batchstream_test.go") {
			t.Errorf("recovered %v, want the *PanicError of the stream read, with its stack", p)
		}
	}()
	stop()
}

func TestBatchStreamBadArguments(t *testing.T) {
	for _, c := range []struct {
		name string
		n    int
		wait time.Duration
		opts *sluice.StreamOptions
		want string
	}{
		{"n=0", 0, time.Second, nil, "batches of 0"},
		{"wait<0", 5, -time.Second, nil, "wait of -1s"},
		{"Buffer<0", 5, time.Second, &sluice.StreamOptions{Buffer: -1}, "Buffer is -1"},
	} {
		s := &ints{n: 10}
		ch, upStop := sluice.StreamFunc(context.Background(), func(ctx context.Context) iter.Seq2[int, error] {
			return s.stall(ctx, 0)
		}, nil)
		for deadline := time.Now().Add(watchdog); s.open.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond) // until the stream read is under way
		}
		_, stop := sluice.BatchStream(context.Background(), ch, upStop, c.n, c.wait, c.opts)
		if err := stop(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: stop() = %v, want an error saying %q", c.name, err, c.want)
		}
		if s.open.Load() != 0 {
			t.Errorf("%s: the stream read was not stopped", c.name)
		}
	}
	_, stop := sluice.BatchStream[int](context.Background(), nil, nil, 5, 0, nil)
	if err := stop(); err == nil || !strings.Contains(err.Error(), "nil channel") {
		t.Errorf("nil channel: stop() = %v, want an error saying so", err)
	}
}
