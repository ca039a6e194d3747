package sinkrun

import (
	"fmt"
	"reflect"
)

// The words that say how far a Write got, in the units the sink counts
// (Names.Unit: "row", "value") from 1 at the start of the Write.

// Span names the units first to last: "row 3", "rows 3 to 9", or "" when
// last < first.
func (n Names) Span(first, last int64) string {
	switch {
	case last < first:
		return ""
	case last == first:
		return fmt.Sprintf("%s %d", n.Unit, first)
	}
	return fmt.Sprintf("%ss %d to %d", n.Unit, first, last)
}

// Stopped returns the cause of a Write that ctx stopped after unit i: err
// is ctx's.
func (n Names) Stopped(i int64, err error) error {
	return fmt.Errorf("stopped after %s %d: %w", n.Unit, i, err)
}

// SourceFailed returns the cause of a Write whose stream failed with err
// after unit i.
func (n Names) SourceFailed(i int64, err error) error {
	return fmt.Errorf("source failed after %s %d: %w", n.Unit, i, err)
}

// CursorOf returns the cursor of v, unit i of a sink named n, with cursor,
// the sink's cursor function; a v without one (a nil interface value) is
// an error.
func CursorOf[V any](n Names, cursor func(V) (string, bool), i int64, v V) (string, error) {
	c, ok := cursor(v)
	if !ok {
		return "", fmt.Errorf("%s %d: a nil %v has no cursor", n.Unit, i, reflect.TypeFor[V]())
	}
	return c, nil
}
