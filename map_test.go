package sluice_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
)

// watchdog is how long a test waits for what must happen before it calls
// the code broken: a hang turned into a failure, not a timing assertion.
const watchdog = 10 * time.Second

// mapCase is one run of a map: a source of length values that fails
// after srcFail values (if >= 0), and a function that fails on the
// values in fail, each call first yielding the processor a random number
// of times so that calls return out of order.
type mapCase struct {
	length, srcFail int
	fail            map[int]bool
	seed            uint64
}

var errCall = errors.New("call failed")
var errSource = errors.New("source failed")

func (c mapCase) source(ctx context.Context) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := range c.length {
			if i == c.srcFail {
				yield(0, errSource)
				return
			}
			if !yield(i, nil) {
				return
			}
		}
	}
}

func (c mapCase) f(ctx context.Context, v int) (string, error) {
	r := rand.New(rand.NewPCG(c.seed, uint64(v)))
	for range r.IntN(50) {
		runtime.Gosched()
	}
	if c.fail[v] {
		return "", fmt.Errorf("value %d: %w", v, errCall)
	}
	return fmt.Sprint("v", v), nil
}

// sequential is what Map must yield: the plain loop.
func (c mapCase) sequential() ([]string, error) {
	var out []string
	for v, err := range c.source(context.Background()) {
		if err != nil {
			return out, err
		}
		w, err := c.f(context.Background(), v)
		if err != nil {
			return out, err
		}
		out = append(out, w)
	}
	return out, nil
}

func collect[W any](seq iter.Seq2[W, error]) ([]W, error) {
	var out []W
	for w, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, w)
	}
	return out, nil
}

func randomCase(r *rand.Rand) mapCase {
	c := mapCase{length: r.IntN(40), srcFail: -1, fail: map[int]bool{}, seed: r.Uint64()}
	if r.IntN(3) == 0 {
		c.srcFail = r.IntN(c.length + 1)
	}
	for range r.IntN(3) {
		c.fail[r.IntN(c.length+1)] = true
	}
	return c
}

// An ordered map yields what the sequential loop does, the same error
// included, whatever the order the calls return in: the results before
// the first failure in the source's order, then its error.
func TestMapIsTheSequentialLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	for i := range 200 {
		c := randomCase(r)
		n := 1 + r.IntN(6)
		want, wantErr := c.sequential()
		for _, form := range []string{"Map", "MapStream"} {
			var seq iter.Seq2[string, error]
			if form == "Map" {
				seq = sluice.Map(ctx, c.source(ctx), n, c.f)
			} else {
				seq = sluice.FromStream(sluice.MapStream(ctx, c.source, n, c.f, &sluice.StreamOptions{Buffer: r.IntN(3)}))
			}
			got, err := collect(seq)
			if !slices.Equal(got, want) || err != wantErr && err.Error() != wantErr.Error() {
				t.Fatalf("case %d, %s, n=%d, %+v:\ngot  %v, %v\nwant %v, %v", i, form, n, c, got, err, want, wantErr)
			}
		}
	}
}

// An unordered map yields the same results in some order when nothing
// fails, and ends with one of the failures when a call fails.
func TestMapUnorderedResults(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ctx := context.Background()
	for i := range 200 {
		c := randomCase(r)
		n := 1 + r.IntN(6)
		want, wantErr := c.sequential()
		for _, form := range []string{"MapUnordered", "MapUnorderedStream"} {
			var seq iter.Seq2[string, error]
			if form == "MapUnordered" {
				seq = sluice.MapUnordered(ctx, c.source(ctx), n, c.f)
			} else {
				seq = sluice.FromStream(sluice.MapUnorderedStream(ctx, c.source, n, c.f, nil))
			}
			got, err := collect(seq)
			slices.Sort(got)
			switch {
			case wantErr == nil && err != nil:
				t.Fatalf("case %d, %s, n=%d: ended with %v, want no error", i, form, n, err)
			case wantErr == nil && !slices.Equal(got, sorted(want)):
				t.Fatalf("case %d, %s, n=%d: got %v, want %v in any order", i, form, n, got, want)
			case wantErr != nil && err == nil:
				t.Fatalf("case %d, %s, n=%d: ended without error, want one (%v)", i, form, n, wantErr)
			case errors.Is(wantErr, errSource) && len(c.fail) == 0 && !errors.Is(err, errSource):
				t.Fatalf("case %d, %s, n=%d: ended with %v, want the source's error", i, form, n, err)
			}
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// When a call fails, the calls of the values after it are canceled, and
// those before it run on: here the second call fails once the third has
// started, and the first returns only once the third has been canceled.
func TestMapCancelsTheCallsAfterAFailure(t *testing.T) {
	ctx := context.Background()
	var thirdStarted, thirdCanceled chan struct{}
	f := func(ctx context.Context, v int) (int, error) {
		switch v {
		case 0:
			select {
			case <-thirdCanceled:
				return 100, nil
			case <-time.After(watchdog):
				return 0, errors.New("the call after the failed one was not canceled")
			}
		case 1:
			<-thirdStarted
			return 0, errCall
		case 2:
			close(thirdStarted)
			<-ctx.Done()
			close(thirdCanceled)
			return 0, ctx.Err()
		}
		return v, nil
	}
	for _, form := range []string{"Map", "MapStream"} {
		s := &ints{n: 3}
		thirdStarted, thirdCanceled = make(chan struct{}), make(chan struct{})
		var seq iter.Seq2[int, error]
		if form == "Map" {
			seq = sluice.Map(ctx, s.all(ctx), 3, f)
		} else {
			seq = sluice.FromStream(sluice.MapStream(ctx, s.all, 3, f, nil))
		}
		got, err := collect(seq)
		if !slices.Equal(got, []int{100}) || err != errCall {
			t.Errorf("%s: got %v, %v; want [100], the second call's error", form, got, err)
		}
	}
}

// The first call of an unordered map to fail cancels every other at once,
// even while the map is waiting in its source: here the source yields
// four values to a map of five goroutines and then waits until the three calls that did not fail
// have been canceled (or, in the channel form, until its own context is).
func TestMapUnorderedFirstFailureCancelsTheOthers(t *testing.T) {
	ctx := context.Background()
	for _, form := range []string{"MapUnordered", "MapUnorderedStream"} {
		var started, canceled atomic.Int32
		allStarted, allCanceled := make(chan struct{}), make(chan struct{})
		f := func(ctx context.Context, v int) (int, error) {
			if started.Add(1) == 4 {
				close(allStarted)
			}
			if v == 1 {
				<-allStarted
				return 0, errCall
			}
			select {
			case <-ctx.Done():
				if canceled.Add(1) == 3 {
					close(allCanceled)
				}
				return 0, ctx.Err()
			case <-time.After(watchdog):
				return v, nil
			}
		}
		src := func(ctx context.Context) iter.Seq2[int, error] {
			return func(yield func(int, error) bool) {
				for i := range 4 {
					if !yield(i, nil) {
						return
					}
				}
				select {
				case <-allCanceled:
				case <-ctx.Done():
				case <-time.After(watchdog):
					t.Errorf("%s: the failure did not cancel the other calls while the map waited in its source", form)
				}
			}
		}
		var seq iter.Seq2[int, error]
		if form == "MapUnordered" {
			seq = sluice.MapUnordered(ctx, src(ctx), 5, f)
		} else {
			seq = sluice.FromStream(sluice.MapUnorderedStream(ctx, src, 5, f, nil))
		}
		got, err := collect(seq)
		if len(got) != 0 || err != errCall {
			t.Errorf("%s: got %v, %v; want nothing, the failed call's error", form, got, err)
		}
	}
}

// At most n calls run at once, and all n do when the values are there.
func TestMapConcurrency(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{1, 2, 5} {
		for _, form := range []string{"Map", "MapUnordered", "MapStream", "MapUnorderedStream"} {
			var running, most atomic.Int32
			all := make(chan struct{}) // closed once n calls run at once
			var once sync.Once
			f := func(ctx context.Context, v int) (int, error) {
				k := running.Add(1)
				defer running.Add(-1)
				for {
					m := most.Load()
					if k <= m || most.CompareAndSwap(m, k) {
						break
					}
				}
				if k == int32(n) {
					once.Do(func() { close(all) })
				}
				select {
				case <-all:
				case <-time.After(watchdog):
					return 0, fmt.Errorf("%d calls never ran at once", n)
				}
				return v, nil
			}
			s := &ints{n: 4 * n}
			var seq iter.Seq2[int, error]
			switch form {
			case "Map":
				seq = sluice.Map(ctx, s.all(ctx), n, f)
			case "MapUnordered":
				seq = sluice.MapUnordered(ctx, s.all(ctx), n, f)
			case "MapStream":
				seq = sluice.FromStream(sluice.MapStream(ctx, s.all, n, f, nil))
			case "MapUnorderedStream":
				seq = sluice.FromStream(sluice.MapUnorderedStream(ctx, s.all, n, f, nil))
			}
			got, err := collect(seq)
			if err != nil || len(got) != 4*n {
				t.Errorf("%s, n=%d: %d values, %v", form, n, len(got), err)
			}
			if m := most.Load(); m != int32(n) {
				t.Errorf("%s, n=%d: %d calls at once, want %d", form, n, m, n)
			}
		}
	}
}

// heldCounter is an endless source that counts the values taken from it, and
// checks each time it is asked for one that the map holds no more than
// bound: taken and not yet received by the consumer, who counts a value
// before receiving it, so that the check can never fail wrongly.
type heldCounter struct {
	taken, received atomic.Int64
	bound           int64
	over            atomic.Int64 // the most held beyond bound, 0 if never
}

func (c *heldCounter) all(ctx context.Context) iter.Seq2[int, error] {
	return func(yield func(int, error) bool) {
		for i := 0; ; i++ {
			if err := ctx.Err(); err != nil {
				yield(0, err)
				return
			}
			if held := c.taken.Load() + 1 - c.received.Load(); held > c.bound {
				c.over.Store(max(c.over.Load(), held-c.bound))
			}
			c.taken.Add(1)
			if !yield(i, nil) {
				return
			}
		}
	}
}

// A map holds at most n values (its iterator form) or n + Buffer (its
// channel form), however slow its consumer: it takes no value from the
// source while full.
func TestMapMemoryBound(t *testing.T) {
	ctx := context.Background()
	id := func(_ context.Context, v int) (int, error) { return v, nil }
	for _, n := range []int{1, 3} {
		for _, ordered := range []bool{true, false} {
			// The iterator form: the source, the calls' dispatch and the
			// loop body share a goroutine, so the count is exact.
			c := &heldCounter{bound: int64(n)}
			seq := sluice.MapUnordered(ctx, c.all(ctx), n, id)
			if ordered {
				seq = sluice.Map(ctx, c.all(ctx), n, id)
			}
			i := 0
			for _, err := range seq {
				if err != nil {
					t.Fatal(err)
				}
				c.received.Add(1)
				if i++; i == 200 {
					break
				}
			}
			if o := c.over.Load(); o != 0 {
				t.Errorf("Map (ordered %v, n=%d) held %d values beyond n", ordered, n, o)
			}

			// The channel form: the consumer stops reading after each
			// value until the map is full, so that a map that takes
			// more would do it then.
			for _, buf := range []int{0, 2} {
				c := &heldCounter{bound: int64(n + buf)}
				opts := &sluice.StreamOptions{Buffer: buf}
				var ch <-chan int
				var stop func() error
				if ordered {
					ch, stop = sluice.MapStream(ctx, c.all, n, id, opts)
				} else {
					ch, stop = sluice.MapUnorderedStream(ctx, c.all, n, id, opts)
				}
				for range 20 {
					deadline := time.Now().Add(watchdog)
					for c.taken.Load() < c.received.Load()+int64(n+buf) {
						if time.Now().After(deadline) {
							stop()
							t.Fatalf("MapStream (ordered %v, n=%d, Buffer=%d) took %d values, %d received, and no more: want n + Buffer held", ordered, n, buf, c.taken.Load(), c.received.Load())
						}
						time.Sleep(time.Millisecond)
					}
					time.Sleep(time.Millisecond) // time to take one too many
					c.received.Add(1)
					<-ch
				}
				if err := stop(); err != nil {
					t.Fatal(err)
				}
				if o := c.over.Load(); o != 0 {
					t.Errorf("MapStream (ordered %v, n=%d, Buffer=%d) held %d values beyond n + Buffer", ordered, n, buf, o)
				}
			}
		}
	}
}

// A panic in the function reaches the consumer as a *PanicError: the
// loop over the iterator panics, the channel form's stop panics.
func TestMapPanic(t *testing.T) {
	ctx := context.Background()
	f := func(ctx context.Context, v int) (int, error) {
		if v == 2 {
			panic("boom")
		}
		return v, nil
	}
	check := func(form string, run func()) {
		t.Helper()
		defer func() {
			v := recover()
			p, ok := v.(*sluice.PanicError)
			if !ok || p.Value != "boom" || !strings.Contains(string(p.Stack), "map_test.go") {
				t.Errorf("%s: recovered %v, want a *PanicError of the call's panic, with its stack", form, v)
			}
		}()
		run()
	}
	for _, form := range []string{"Map", "MapUnordered"} {
		for _, n := range []int{1, 3} { // one goroutine: the caller's
			check(fmt.Sprintf("%s, n=%d", form, n), func() {
				s := &ints{n: 10}
				seq := sluice.Map(ctx, s.all(ctx), n, f)
				if form == "MapUnordered" {
					seq = sluice.MapUnordered(ctx, s.all(ctx), n, f)
				}
				for range seq {
				}
			})
		}
	}
	for _, form := range []string{"MapStream", "MapUnorderedStream"} {
		check(form, func() {
			s := &ints{n: 10}
			ch, stop := sluice.MapStream(ctx, s.all, 3, f, nil)
			if form == "MapUnorderedStream" {
				ch, stop = sluice.MapUnorderedStream(ctx, s.all, 3, f, nil)
			}
			drain(ch)
			stop()
		})
	}
	// The source runs in the goroutines of the channel form (through a
	// coroutine): its panic reaches stop too.
	check("MapStream/source", func() {
		ch, stop := sluice.MapStream(ctx, func(context.Context) iter.Seq2[int, error] {
			return func(yield func(int, error) bool) {
				yield(1, nil)
				panic("boom")
			}
		}, 3, same, nil)
		drain(ch)
		stop()
	})
}

// MapStream sends a result as soon as it is done, even while the source
// waits for its next value: here the first call returns only once the
// source is waiting.
func TestMapStreamSendsWhileTheSourceWaits(t *testing.T) {
	waiting := make(chan struct{})
	src := func(ctx context.Context) iter.Seq2[int, error] {
		return func(yield func(int, error) bool) {
			if !yield(0, nil) {
				return
			}
			close(waiting)
			<-ctx.Done()
			yield(0, ctx.Err())
		}
	}
	f := func(ctx context.Context, v int) (int, error) {
		<-waiting
		return v + 1, nil
	}
	ch, stop := sluice.MapStream(context.Background(), src, 4, f, nil)
	select {
	case v := <-ch:
		if v != 1 {
			t.Errorf("got %d, want 1", v)
		}
	case <-time.After(watchdog):
		t.Error("the first result was held while the source waited")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// A call cut short by the cancellation of ctx ends the stream with the
// cancellation, not with the call's own error, which here does not say.
func TestMapCallCutShortEndsWithTheCancellation(t *testing.T) {
	for _, form := range []string{"Map", "MapUnordered", "MapStream", "MapUnorderedStream"} {
		for _, n := range []int{1, 3} {
			ctx, cancel := context.WithCancel(context.Background())
			f := func(ctx context.Context, v int) (int, error) {
				cancel()
				<-ctx.Done()
				return 0, errors.New("request aborted")
			}
			s := &ints{n: 5}
			var seq iter.Seq2[int, error]
			switch form {
			case "Map":
				seq = sluice.Map(ctx, s.all(ctx), n, f)
			case "MapUnordered":
				seq = sluice.MapUnordered(ctx, s.all(ctx), n, f)
			case "MapStream":
				seq = sluice.FromStream(sluice.MapStream(ctx, s.all, n, f, nil))
			case "MapUnorderedStream":
				seq = sluice.FromStream(sluice.MapUnorderedStream(ctx, s.all, n, f, nil))
			}
			if _, err := collect(seq); !errors.Is(err, context.Canceled) {
				t.Errorf("%s, n=%d: ended with %v, want context.Canceled", form, n, err)
			}
		}
	}
}

func TestMapBadArguments(t *testing.T) {
	ctx := context.Background()
	s := &ints{n: 3}
	for _, c := range []struct {
		name string
		seq  iter.Seq2[int, error]
		n    int
		f    func(context.Context, int) (int, error)
		want string
	}{
		{"n=0", s.all(ctx), 0, same, "Map of 0 goroutines"},
		{"nil f", s.all(ctx), 2, nil, "nil function"},
		{"nil seq", nil, 2, same, "nil iterator"},
	} {
		_, err := collect(sluice.Map(ctx, c.seq, c.n, c.f))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Map, %s: %v, want an error saying %q", c.name, err, c.want)
		}
		var src func(context.Context) iter.Seq2[int, error]
		if c.seq != nil {
			src = s.all
		}
		_, stop := sluice.MapStream(ctx, src, c.n, c.f, nil)
		if err := stop(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("MapStream, %s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
}
