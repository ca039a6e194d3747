package sinkrun_test

import (
	"context"
	"errors"
	"iter"
	"testing"

	"github.com/sluice-go/sluice/internal/sinkrun"
)

type value struct{ id string }

func (v value) Cursor() string { return v.id }

// store is a Loader that records its calls.
type store struct {
	cursor string
	err    error
	calls  int
	cancel context.CancelFunc // called during Load, if set
}

func (s *store) Load(ctx context.Context, name string) (string, error) {
	s.calls++
	if s.cancel != nil {
		s.cancel()
	}
	return s.cursor, s.err
}

func sink[V any](f func(*sinkrun.Sink[V])) *sinkrun.Sink[V] {
	s := sinkrun.New[V](sinkrun.Names{Pkg: "pkg", Type: "Objects", Handle: "Client"}, nil, "", nil)
	if f != nil {
		f(s)
	}
	return s
}

var seq iter.Seq2[value, error] = func(yield func(value, error) bool) {}

// Check reports the first thing a Write cannot use, in order, naming the
// package and the field.
func TestCheck(t *testing.T) {
	fieldsErr := errors.New("pkg: Objects.Bucket is empty")
	ok := func() error { return nil }
	handle := &struct{}{}
	for _, tc := range []struct {
		s      *sinkrun.Sink[value]
		fields func() error
		handle any
		seq    iter.Seq2[value, error]
		want   string // "" for no error
	}{
		{sink[value](nil), ok, handle, seq, ""},
		{sink(func(s *sinkrun.Sink[value]) { s.Nil = true }), func() error { panic("fields of a nil sink") }, nil, nil, "pkg: nil *Objects"},
		{sink[value](nil), func() error { return fieldsErr }, nil, nil, fieldsErr.Error()},
		{sink(func(s *sinkrun.Sink[value]) { s.Checkpoint = (*store)(nil) }), ok, nil, nil, "pkg: Objects.Checkpoint is a nil pointer"},
		{sink(func(s *sinkrun.Sink[value]) { s.Checkpoint = &store{} }), ok, nil, nil, "pkg: Objects.Checkpoint is set but Objects.Name is empty"},
		{sink(func(s *sinkrun.Sink[value]) { s.Checkpoint, s.Name = &store{}, "n" }), ok, handle, seq, ""},
		{sink[value](nil), ok, nil, seq, "pkg: Write with a nil Client"},
		{sink[value](nil), ok, (*struct{})(nil), seq, "pkg: Write with a nil Client"},
		{sink[value](nil), ok, handle, nil, "pkg: Write of a nil iterator"},
	} {
		err := tc.s.Check(tc.fields, tc.handle, tc.seq)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || err.Error() != tc.want) {
			t.Errorf("Check = %v, want %q", err, tc.want)
		}
	}

	// A checkpoint needs a cursor: Cursor, or V's Cursor method.
	s := sink(func(s *sinkrun.Sink[int]) { s.Checkpoint, s.Name = &store{}, "n" })
	want := "pkg: Objects.Checkpoint is set but there is no cursor: Objects.Cursor is nil and int has no Cursor() string method"
	if err := s.Check(ok, handle, func(func(int, error) bool) {}); err == nil || err.Error() != want {
		t.Errorf("Check without a cursor = %v, want %s", err, want)
	}
	s.Cursor = func(int) string { return "" }
	if err := s.Check(ok, handle, func(func(int, error) bool) {}); err != nil {
		t.Errorf("Check with Cursor = %v", err)
	}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("checkpoint: load n: boom")
	for _, tc := range []struct {
		s    *sinkrun.Sink[value]
		want string
	}{
		{sink(func(s *sinkrun.Sink[value]) { s.Nil = true }), "pkg: nil *Objects"},
		{sink[value](nil), "pkg: Load of an Objects without a Checkpoint"},
		{sink(func(s *sinkrun.Sink[value]) { s.Type = "Sink" }), "pkg: Load of a Sink without a Checkpoint"},
		{sink(func(s *sinkrun.Sink[value]) { s.Checkpoint, s.Name = (*store)(nil), "n" }), "pkg: Objects.Checkpoint is a nil pointer"},
		{sink(func(s *sinkrun.Sink[value]) { s.Checkpoint = &store{} }), "pkg: Objects.Checkpoint is set but Objects.Name is empty"},
		{sink(func(s *sinkrun.Sink[value]) { s.Checkpoint, s.Name = &store{err: boom}, "n" }), "pkg: checkpoint: load n: boom"},
	} {
		if c, err := tc.s.Load(ctx); c != "" || err == nil || err.Error() != tc.want {
			t.Errorf("Load = %q, %v, want %s", c, err, tc.want)
		}
	}
	s := sink(func(s *sinkrun.Sink[value]) { s.Checkpoint, s.Name = &store{err: boom}, "n" })
	if _, err := s.Load(ctx); !errors.Is(err, boom) {
		t.Errorf("Load = %v, want it to wrap the store's error", err)
	}
	s = sink(func(s *sinkrun.Sink[value]) { s.Checkpoint, s.Name = &store{cursor: "c"}, "n" })
	if c, err := s.Load(ctx); c != "c" || err != nil {
		t.Errorf(`Load = %q, %v, want "c", nil`, c, err)
	}
}

// Open: a done ctx before any Load; a Load's error cut short by a
// cancellation is the cancellation.
func TestOpen(t *testing.T) {
	boom := errors.New("conn closed")
	st := &store{err: boom}
	s := sink(func(s *sinkrun.Sink[value]) { s.Checkpoint, s.Name = st, "n" })
	done, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Open(done); !errors.Is(err, context.Canceled) || st.calls != 0 {
		t.Errorf("Open(done ctx) = %v after %d Loads, want context.Canceled after none", err, st.calls)
	}
	if err := s.Open(context.Background()); err != boom || st.calls != 1 {
		t.Errorf("Open = %v after %d Loads, want the Load's error after 1", err, st.calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	if err := s.Open(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Open canceled during the Load = %v, want context.Canceled", err)
	}
	if err := sink[value](nil).Open(context.Background()); err != nil {
		t.Errorf("Open without a checkpoint = %v", err)
	}
}

// The first panic is kept and raised again; a nil recover is no panic.
func TestPanic(t *testing.T) {
	var p sinkrun.Panic
	p.Raise() // nothing caught: no panic
	if p.Catch(nil) || p.Caught() {
		t.Fatal("Catch(nil) recorded a panic")
	}
	if !p.Catch("first") || !p.Catch("second") || !p.Caught() {
		t.Fatal("Catch of a value = false")
	}
	func() {
		defer func() {
			if v := recover(); v != "first" {
				t.Errorf("Raise panicked with %v, want the first value", v)
			}
		}()
		p.Raise()
	}()

	// As the sinks use it: recovered in a goroutine of their own.
	var q sinkrun.Panic
	ended := make(chan error)
	go func() {
		var err error
		defer func() { ended <- err }()
		defer func() {
			if q.Catch(recover()) {
				err = sinkrun.ErrPanicked
			}
		}()
		panic("in a worker")
	}()
	if err := <-ended; err != sinkrun.ErrPanicked {
		t.Errorf("the worker returned %v, want ErrPanicked", err)
	}
	defer func() {
		if v := recover(); v != "in a worker" {
			t.Errorf("Raise panicked with %v, want the worker's value", v)
		}
	}()
	q.Raise()
}

func TestProgress(t *testing.T) {
	rows, values := sinkrun.Names{Unit: "row"}, sinkrun.Names{Unit: "value"}
	for _, tc := range []struct {
		first, last int64
		want        string
	}{
		{1, 0, ""},
		{5, 4, ""},
		{3, 3, "row 3"},
		{1, 9, "rows 1 to 9"},
	} {
		if got := rows.Span(tc.first, tc.last); got != tc.want {
			t.Errorf("Span(%d, %d) = %q, want %q", tc.first, tc.last, got, tc.want)
		}
	}
	boom := errors.New("boom")
	if err := values.Stopped(7, boom); err.Error() != "stopped after value 7: boom" || !errors.Is(err, boom) {
		t.Errorf("Stopped = %v", err)
	}
	if err := rows.SourceFailed(2, boom); err.Error() != "source failed after row 2: boom" || !errors.Is(err, boom) {
		t.Errorf("SourceFailed = %v", err)
	}
	if sink[any](nil).CursorFunc() != nil {
		t.Fatal("CursorFunc of an any without Cursor = not nil")
	}
	type cursorer = interface{ Cursor() string }
	cursorOf := sink[cursorer](nil).CursorFunc()
	if c, err := sinkrun.CursorOf(values, cursorOf, 3, cursorer(value{"k3"})); c != "k3" || err != nil {
		t.Errorf("CursorOf = %q, %v, want k3", c, err)
	}
	if _, err := sinkrun.CursorOf(values, cursorOf, 3, nil); err == nil || err.Error() != "value 3: a nil interface { Cursor() string } has no cursor" {
		t.Errorf("CursorOf(nil) = %v", err)
	}
}
