package s3sink

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// fill adds the values 0 … n-1 to r, each with a cancel function that
// marks it cancelled in cancelled.
func fill(t *testing.T, r *ring[int], n int, cancelled []bool) {
	t.Helper()
	for v := range n {
		if !r.reserve(nil, nil) {
			t.Fatalf("reserve for value %d = false", v)
		}
		i, ok := r.add(v, func() { cancelled[v] = true })
		if !ok || i != int64(v) {
			t.Fatalf("add(%d) = %d, %v, want %d, true", v, i, ok, v)
		}
	}
}

// Values whose work ends out of order are done in the order of the
// stream: after each end, the values done are the longest run, from the
// first, whose work has ended, and the last of them is the one the
// checkpoint saves; never a value past one still at work.
func TestRingOutOfOrder(t *testing.T) {
	const n = 8
	r := newRing[int](n)
	fill(t, r, n, make([]bool, n))
	for _, step := range []struct {
		end      int64
		done     int64 // after it
		advanced int
	}{
		{3, 0, 0},
		{1, 0, 0},
		{0, 2, 2},
		{2, 4, 2},
		{7, 4, 0},
		{5, 4, 0},
		{4, 6, 2},
		{6, 8, 2},
	} {
		advanced, first := r.end(step.end, nil)
		done, last := r.progress()
		if advanced != step.advanced || first || done != step.done {
			t.Fatalf("end(%d) = %d, %v; done %d, want %d, false; done %d", step.end, advanced, first, done, step.advanced, step.done)
		}
		if done > 0 && last != int(done-1) {
			t.Fatalf("after end(%d): last = %d, want %d", step.end, last, done-1)
		}
	}
	if done, succeeded := r.counts(); done != n || succeeded != n {
		t.Errorf("counts = %d, %d, want %d, %d", done, succeeded, n, n)
	}
}

// The prefix rule, over random orders of ends and more values than the
// window holds: values are added as places free up, as the writer adds
// them, and after every end the values done are exactly the longest
// completed run from the first.
func TestRingRandomOrders(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		const total, window = 40, 6
		r := newRing[int](window)
		ended := make([]bool, total)
		var inFlight []int64
		added := 0
		add := func() {
			for added < total && len(r.places) < window {
				if !r.reserve(nil, nil) {
					t.Fatal("reserve = false")
				}
				i, ok := r.add(added, func() {})
				if !ok {
					t.Fatal("add = false")
				}
				inFlight = append(inFlight, i)
				added++
			}
		}
		add()
		for len(inFlight) > 0 {
			k := rng.IntN(len(inFlight))
			i := inFlight[k]
			inFlight = append(inFlight[:k], inFlight[k+1:]...)
			r.end(i, nil)
			ended[i] = true
			want := int64(0)
			for want < total && ended[want] {
				want++
			}
			done, last := r.progress()
			if done != want || (done > 0 && last != int(done-1)) {
				t.Fatalf("trial %d, after end(%d): done %d, last %d; want done %d, last %d", trial, i, done, last, want, want-1)
			}
			add()
		}
		if done, _ := r.progress(); done != total {
			t.Fatalf("trial %d: done %d at the end, want %d", trial, done, total)
		}
	}
}

// A failure in the middle: the values done stop before it, whatever ends
// after; the work of the values after it is cancelled, that of the values
// before it is not, and no value is added any more. An earlier failure
// found later replaces it as the first.
func TestRingFailure(t *testing.T) {
	const n = 8
	r := newRing[int](n)
	cancelled := make([]bool, n)
	fill(t, r, n, cancelled)
	boom := errors.New("boom")
	r.end(0, nil)
	r.end(1, nil)
	if _, first := r.end(4, boom); !first {
		t.Error("end(4, boom): first = false, want true")
	}
	for i, c := range cancelled {
		// 0, 1 and 4 had ended: their own cancel ran.
		if want := i <= 1 || i >= 4; c != want {
			t.Errorf("value %d cancelled = %v, want %v", i, c, want)
		}
	}
	for _, i := range []int64{5, 3, 2, 6} {
		r.end(i, nil)
	}
	if done, last := r.progress(); done != 4 || last != 3 {
		t.Errorf("progress = %d, %d, want 4, 3: up to the failed value, not past it", done, last)
	}
	if at, err := r.failure(); at != 4 || err != boom {
		t.Errorf("failure = %d, %v, want 4, boom", at, err)
	}
	if _, ok := r.add(99, func() {}); ok {
		t.Error("add after a failure = true, want false")
	}
	// A later value's failure is not the first.
	if _, first := r.end(7, errors.New("later")); first {
		t.Error("end(7) after end(4) failed: first = true, want false")
	}
	if at, err := r.failure(); at != 4 || err != boom {
		t.Errorf("failure = %d, %v, want still 4, boom", at, err)
	}
	if done, _ := r.progress(); done != 4 {
		t.Errorf("done = %d, want 4", done)
	}
}

// An earlier failure, found after a later one, becomes the first.
func TestRingEarlierFailure(t *testing.T) {
	r := newRing[int](4)
	fill(t, r, 4, make([]bool, 4))
	r.end(3, errors.New("late"))
	early := errors.New("early")
	if _, first := r.end(1, early); !first {
		t.Error("end(1) after end(3) failed: first = false, want true")
	}
	if at, err := r.failure(); at != 1 || err != early {
		t.Errorf("failure = %d, %v, want 1, early", at, err)
	}
	r.end(0, nil)
	r.end(2, nil)
	if done, _ := r.progress(); done != 1 {
		t.Errorf("done = %d, want 1", done)
	}
}

// A full ring takes no more values until the oldest is done: reserve waits,
// and returns false when told to stop.
func TestRingFull(t *testing.T) {
	r := newRing[int](2)
	fill(t, r, 2, make([]bool, 2))
	stop := make(chan struct{})
	close(stop)
	if r.reserve(nil, stop) {
		t.Fatal("reserve on a full ring = true, want false (stopped)")
	}
	r.end(1, nil) // not the oldest: nothing done, no place
	if r.reserve(stop, nil) {
		t.Fatal("reserve after the second value ended = true, want false (stopped)")
	}
	r.end(0, nil) // both done: two places
	if n := len(r.places); n != 0 {
		t.Fatalf("places taken after both were done = %d, want 0", n)
	}
	for k := range 2 {
		if !r.reserve(nil, nil) {
			t.Fatalf("reserve %d after both were done = false", k)
		}
	}
}
