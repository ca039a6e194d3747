package observe_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/observetest"
	"github.com/sluice-go/sluice/observe"
)

// journal is what several observers heard, in the order they heard it.
type journal struct {
	mu      sync.Mutex
	entries []string
}

func (j *journal) add(s string) {
	j.mu.Lock()
	j.entries = append(j.entries, s)
	j.mu.Unlock()
}

// named is an Observer that writes its name and each event to a journal.
type named struct {
	name string
	j    *journal
}

func (n *named) Sent(e sluice.SendEvent) { n.j.add(fmt.Sprintf("%s sent %s", n.name, e.Stream)) }
func (n *named) Ended(e sluice.EndEvent) {
	n.j.add(fmt.Sprintf("%s ended %s %d %s", n.name, e.Stream, e.Items, e.Reason))
}

func TestMultiOrder(t *testing.T) {
	j := &journal{}
	a, b, c := &named{"a", j}, &named{"b", j}, &named{"c", j}
	o := observe.Multi(nil, a, nil, observe.Multi(b, c), nil)
	ch, stop := sluice.Stream(context.Background(), ints(2, nil), &sluice.StreamOptions{Name: "s", Observer: o})
	observetest.Drain(ch, -1)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a sent s", "b sent s", "c sent s",
		"a sent s", "b sent s", "c sent s",
		"a ended s 2 exhausted", "b ended s 2 exhausted", "c ended s 2 exhausted",
	}
	if !slices.Equal(j.entries, want) {
		t.Errorf("journal = %q, want %q", j.entries, want)
	}
}

func TestMultiOne(t *testing.T) {
	a := &named{"a", &journal{}}
	for _, o := range []sluice.Observer{observe.Multi(a), observe.Multi(nil, a, nil)} {
		if o != sluice.Observer(a) {
			t.Errorf("Multi of one observer = %#v, want that observer itself", o)
		}
	}
}

func TestMultiNone(t *testing.T) {
	for name, o := range map[string]sluice.Observer{
		"Multi()":         observe.Multi(),
		"Multi(nil)":      observe.Multi(nil),
		"Multi(nil, nil)": observe.Multi(nil, nil),
	} {
		if o == nil {
			t.Fatalf("%s = nil, want a no-op Observer", name)
		}
		// A no-op observer on a real stream: nothing to hear, nothing may fail.
		ch, stop := sluice.Stream(context.Background(), ints(3, nil), &sluice.StreamOptions{Observer: o})
		if n := observetest.Drain(ch, -1); n != 3 {
			t.Errorf("%s: stream gave %d values, want 3", name, n)
		}
		if err := stop(); err != nil {
			t.Errorf("%s: stop() = %v", name, err)
		}
	}
}

// Multi keeps its own copy of the list.
func TestMultiCopies(t *testing.T) {
	j := &journal{}
	list := []sluice.Observer{&named{"a", j}, &named{"b", j}}
	o := observe.Multi(list...)
	list[0] = &named{"x", j}
	o.Ended(sluice.EndEvent{Stream: "s"})
	if want := []string{"a ended s 0 exhausted", "b ended s 0 exhausted"}; !slices.Equal(j.entries, want) {
		t.Errorf("journal = %q, want %q", j.entries, want)
	}
}
