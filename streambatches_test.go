package sluice_test

import (
	"context"
	"errors"
	"iter"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
)

// batchesOf returns the values of seq in slices of n, as StreamBatches
// sends them when no batch waits long enough to be sent early.
func batchesOf(vs []int, n int) [][]int {
	var out [][]int
	for c := range slices.Chunk(vs, n) {
		out = append(out, slices.Clone(c))
	}
	return out
}

// The batched channel passes the suite as a source of batches: with a
// BatchWait too long to matter, its batches are those of Batch.
func TestStreamBatchesConformance(t *testing.T) {
	const n, size = 23, 5
	s := &ints{n: n}
	opts := &sluice.StreamOptions{BatchSize: size, BatchWait: time.Hour}
	batched := func(f func(ctx context.Context) iter.Seq2[int, error]) func(ctx context.Context) (<-chan []int, func() error) {
		return func(ctx context.Context) (<-chan []int, func() error) { return sluice.StreamBatches(ctx, f, opts) }
	}
	conformance.Test(t, conformance.Source[[]int]{
		All:    func(ctx context.Context) iter.Seq2[[]int, error] { return sluice.Batch(s.all(ctx), size) },
		Stream: batched(s.all),
		StreamStall: func(ctx context.Context, k int) (<-chan []int, func() error) {
			return batched(func(ctx context.Context) iter.Seq2[int, error] { return s.stall(ctx, k*size) })(ctx)
		},
		Want: batchesOf(s.want(), size),
		Fail: func(ctx context.Context, k int, err error) iter.Seq2[[]int, error] {
			return sluice.Batch(s.fail(ctx, k*size, err), size)
		},
		Open: func() int { return int(s.open.Load()) },
	}, nil)
}

// Values that wait for their batch to fill are sent after BatchWait: a
// source that pauses (here, until the consumer has them) does not hold
// them back.
func TestStreamBatchesWait(t *testing.T) {
	got := make(chan struct{})
	seq := func(ctx context.Context) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			for i := range 3 {
				if !yield(i, nil) {
					return
				}
			}
			select {
			case <-got: // a source that waits on the consumer: a deadlock if the batch waits on it
			case <-ctx.Done():
				yield(0, ctx.Err())
				return
			}
			yield(3, nil)
		}
	}
	ch, stop := sluice.StreamBatches(t.Context(), seq, &sluice.StreamOptions{BatchWait: time.Millisecond})
	defer stop()
	var all []int
	select {
	case b := <-ch:
		all = append(all, b...)
	case <-time.After(10 * time.Second):
		t.Fatal("no batch while the source paused: the values before the pause were held back")
	}
	if !slices.Equal(all, []int{0, 1, 2}) {
		t.Fatalf("first batch %v, want [0 1 2]", all)
	}
	close(got)
	for b := range ch {
		all = append(all, b...)
	}
	if err := stop(); err != nil || !slices.Equal(all, []int{0, 1, 2, 3}) {
		t.Errorf("values %v, stop = %v; want [0 1 2 3], nil", all, err)
	}
}

// A source that fails has the values it yielded before the error sent,
// in their batches, and then the error from stop.
func TestStreamBatchesError(t *testing.T) {
	boom := errors.New("boom")
	s := &ints{n: 100}
	ch, stop := sluice.StreamBatches(t.Context(), func(ctx context.Context) iter.Seq2[int, error] { return s.fail(ctx, 10, boom) },
		&sluice.StreamOptions{BatchSize: 4, BatchWait: time.Hour})
	var got [][]int
	for b := range ch {
		got = append(got, b)
	}
	if want := batchesOf(s.want()[:10], 4); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("batches %v, want %v", got, want)
	}
	if err := stop(); !errors.Is(err, boom) {
		t.Errorf("stop = %v, want boom", err)
	}
}

// Under a consumer that is sometimes slow and a source that sometimes
// pauses, every value arrives once, in order, in batches of at most
// BatchSize, whether sent full or by the timer.
func TestStreamBatchesOrder(t *testing.T) {
	const n = 20000
	r := rand.New(rand.NewPCG(1, 2))
	pauses := make([]bool, n)
	for i := range pauses {
		pauses[i] = r.IntN(500) == 0
	}
	seq := func(yield func(int, error) bool) {
		for i := range n {
			if pauses[i] {
				time.Sleep(200 * time.Microsecond)
			}
			if !yield(i, nil) {
				return
			}
		}
	}
	obs := countingObserver()
	ch, stop := sluice.StreamBatches(t.Context(), func(context.Context) iter.Seq2[int, error] { return seq },
		&sluice.StreamOptions{BatchSize: 64, BatchWait: 50 * time.Microsecond, Observer: obs, Name: "order"})
	next, batches, partial := 0, 0, 0
	for b := range ch {
		batches++
		if len(b) == 0 || len(b) > 64 {
			t.Fatalf("batch of %d values", len(b))
		}
		if len(b) < 64 {
			partial++
		}
		for _, v := range b {
			if v != next {
				t.Fatalf("value %d after %d", v, next-1)
			}
			next++
		}
		if batches%50 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	if err := stop(); err != nil || next != n {
		t.Fatalf("%d values, stop = %v; want %d, nil", next, err, n)
	}
	t.Logf("%d batches, %d of them partial", batches, partial)
	values := 0
	for _, e := range obs.sends {
		values += e.Values
	}
	if len(obs.sends) != batches || values != n || len(obs.ends) != 1 || obs.ends[0].Items != n {
		t.Errorf("observer: %d sends of %d values, ends %+v; want %d sends of %d values, Items %d", len(obs.sends), values, obs.ends, batches, n, n)
	}
}

// Options that cannot be honoured close the channel at once, and stop
// says why.
func TestStreamBatchesBadOptions(t *testing.T) {
	s := &ints{n: 3}
	for _, tc := range []struct {
		opts *sluice.StreamOptions
		want string
	}{
		{&sluice.StreamOptions{BatchSize: -1}, "BatchSize is -1"},
		{&sluice.StreamOptions{BatchWait: -time.Second}, "BatchWait is -1s"},
		{&sluice.StreamOptions{Buffer: -2}, "Buffer is -2"},
	} {
		ch, stop := sluice.StreamBatches(t.Context(), s.all, tc.opts)
		if _, ok := <-ch; ok {
			t.Errorf("%+v: a batch sent", tc.opts)
		}
		if err := stop(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: stop = %v, want …%s…", tc.opts, err, tc.want)
		}
	}
	ch, stop := sluice.StreamBatches[int](t.Context(), nil, nil)
	if _, ok := <-ch; ok || stop() == nil {
		t.Error("StreamBatches of a nil function: want a closed channel and an error")
	}
}

// StreamBatched sends the batches an iterator makes as they are, and its
// observer counts their values.
func TestStreamBatched(t *testing.T) {
	want := [][]int{{1, 2, 3}, {4}, {5, 6}}
	obs := countingObserver()
	ch, stop := sluice.StreamBatched(t.Context(), func(context.Context) iter.Seq2[[]int, error] {
		return func(yield func([]int, error) bool) {
			for _, b := range want {
				if !yield(b, nil) {
					return
				}
			}
		}
	}, &sluice.StreamOptions{Observer: obs})
	var got [][]int
	for b := range ch {
		got = append(got, b)
	}
	if err := stop(); err != nil || !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("batches %v, stop = %v; want %v", got, err, want)
	}
	var values []int
	for _, e := range obs.sends {
		values = append(values, e.Values)
	}
	if !slices.Equal(values, []int{3, 1, 2}) || len(obs.ends) != 1 || obs.ends[0].Items != 6 {
		t.Errorf("observer: Values %v, ends %+v; want [3 1 2] and 6 items", values, obs.ends)
	}
}
