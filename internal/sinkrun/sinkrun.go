// Package sinkrun holds what the sinks (pgcopy, s3sink) do alike around
// their writing: the checks of a Write's sink and arguments before any
// I/O, the checkpoint's Load, the carrying of a panic from the sink's own
// goroutines to the caller's, and the words that say how far a Write got.
//
// It imports only the standard library and the module's own packages.
package sinkrun

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"strings"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cancel"
	"github.com/sluice-go/sluice/internal/cursorfunc"
)

// A Loader loads the cursor saved under a name: a checkpoint.Store, or
// pgstore's Store.
type Loader interface {
	Load(ctx context.Context, name string) (string, error)
}

// Names name a sink in its messages.
type Names struct {
	Pkg    string // its package, which begins every message: "pgcopy"
	Type   string // its type, whose fields the messages name: "Sink"
	Handle string // what Write writes through: "DB"
	Unit   string // what Write counts, from 1 at its start: "row", "value"
}

// A Sink is what a sink shares with the others, for the checks and the
// messages they share. A sink makes one from its fields for each Write or
// Load, with [New], or [Nil] when it is a nil pointer.
type Sink[V any] struct {
	Names

	// Nil says that the sink is a nil pointer: the fields below are then
	// not looked at.
	Nil bool

	// The sink's fields of these names. Checkpoint is nil when the sink
	// has none; a nil pointer in it is an error.
	Checkpoint Loader
	Name       string
	Cursor     func(V) string
}

// New returns the Sink of a sink named n, with its fields Checkpoint
// (nil when it has none), Name and Cursor.
func New[V any](n Names, checkpoint Loader, name string, cursor func(V) string) *Sink[V] {
	return &Sink[V]{Names: n, Checkpoint: checkpoint, Name: name, Cursor: cursor}
}

// Nil returns the Sink of a nil pointer to a sink named n.
func Nil[V any](n Names) *Sink[V] { return &Sink[V]{Names: n, Nil: true} }

// Errorf returns an error whose message begins with the sink's package.
func (s *Sink[V]) Errorf(format string, a ...any) error {
	return fmt.Errorf(s.Pkg+": "+format, a...)
}

// Check returns an error naming the first thing a Write cannot use: a nil
// sink, then what fields (the sink's own checks) reports, then the
// checkpoint fields, the handle and the stream; or nil. It does no I/O.
func (s *Sink[V]) Check(fields func() error, handle any, seq iter.Seq2[V, error]) error {
	if s.Nil {
		return s.Errorf("nil *%s", s.Type)
	}
	if err := fields(); err != nil {
		return err
	}
	if err := s.checkCheckpoint(true); err != nil {
		return err
	}
	if IsNil(handle) {
		return s.Errorf("Write with a nil %s", s.Handle)
	}
	if seq == nil {
		return s.Errorf("Write of a nil iterator")
	}
	return nil
}

// checkCheckpoint checks the checkpoint fields, if Checkpoint is set, and
// with cursor that there is a cursor to save.
func (s *Sink[V]) checkCheckpoint(cursor bool) error {
	switch {
	case s.Checkpoint == nil:
		return nil
	case IsNil(s.Checkpoint):
		return s.Errorf("%s.Checkpoint is a nil pointer", s.Type)
	case s.Name == "":
		return s.Errorf("%s.Checkpoint is set but %s.Name is empty", s.Type, s.Type)
	case cursor && s.CursorFunc() == nil:
		return s.Errorf("%s.Checkpoint is set but there is no cursor: %s.Cursor is nil and %v has no Cursor() string method",
			s.Type, s.Type, reflect.TypeFor[V]())
	}
	return nil
}

// CursorFunc returns the sink's cursor function: Cursor, or else V's
// Cursor method, or else nil (see package cursorfunc).
func (s *Sink[V]) CursorFunc() func(V) (string, bool) { return cursorfunc.Of(s.Cursor) }

// Load is the sink's Load: the cursor saved under Name, or "" when none
// has been. It needs Checkpoint and Name.
func (s *Sink[V]) Load(ctx context.Context) (string, error) {
	switch {
	case s.Nil:
		return "", s.Errorf("nil *%s", s.Type)
	case s.Checkpoint == nil:
		article := "a"
		if strings.ContainsRune("AEIOU", rune(s.Type[0])) {
			article = "an"
		}
		return "", s.Errorf("Load of %s %s without a Checkpoint", article, s.Type)
	}
	if err := s.checkCheckpoint(false); err != nil {
		return "", err
	}
	cursor, err := s.Checkpoint.Load(ctx, s.Name)
	if err != nil {
		return "", s.Errorf("%w", err)
	}
	return cursor, nil
}

// Open is the start of a checked Write: it returns ctx's error when ctx is
// done, and then loads the checkpoint, if any, so that a store that does
// not work fails before any value is read (and a store that creates its
// table does so outside the Write's transactions). An error of the Load
// after ctx is done is ctx's.
func (s *Sink[V]) Open(ctx context.Context) error {
	if err := sluice.ContextError(ctx); err != nil {
		return err
	}
	if s.Checkpoint == nil {
		return nil
	}
	_, err := s.Checkpoint.Load(ctx, s.Name)
	return cancel.Prefer(ctx, err)
}

// IsNil reports whether v is nil or a nil pointer, such as a *pgx.Conn
// never connected or a *s3.Client never made, whose first use would
// panic.
func IsNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
