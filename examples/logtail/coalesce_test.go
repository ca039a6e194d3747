package main

import (
	"errors"
	"slices"
	"testing"

	"github.com/sluice-go/sluice/sources/watch"
)

// Writes of one file next to each other in a batch are read once, at the
// last; any other event, and a Write in another batch, is kept.
func TestCoalesced(t *testing.T) {
	w := func(p string) watch.Event { return watch.Event{Op: watch.Write, Path: p} }
	c := func(p string) watch.Event { return watch.Event{Op: watch.Create, Path: p} }
	boom := errors.New("boom")
	batches := func(yield func([]watch.Event, error) bool) {
		_ = yield([]watch.Event{w("a"), w("a"), w("b"), w("a"), c("a"), w("a"), w("a")}, nil) &&
			yield([]watch.Event{w("a")}, nil) &&
			yield(nil, boom)
	}
	var got []string
	var end error
	for e, err := range coalesced(batches) {
		if err != nil {
			end = err
			break
		}
		got = append(got, e.String())
	}
	want := []string{"WRITE a", "WRITE b", "WRITE a", "CREATE a", "WRITE a", "WRITE a"}
	if !slices.Equal(got, want) || end != boom {
		t.Errorf("got %q, %v; want %q, boom", got, end, want)
	}
}
