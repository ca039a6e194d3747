package scanner

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// TestPipeCancel cancels a scan blocked in a Read of an os.Pipe, the
// case bufio.Scanner cannot handle: the scan ends with the cancellation,
// not the deadline error, and the pipe is usable again afterwards.
func TestPipeCancel(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := w.WriteString("one\ntwo\n"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for tok, err := range All(ctx, r, nil) {
		if err != nil {
			if !errors.Is(err, context.Canceled) || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("err = %v, want context.Canceled only", err)
			}
			break
		}
		got = append(got, tok.Text())
		if len(got) == 2 {
			// The next Read blocks: nothing more is written.
			time.AfterFunc(10*time.Millisecond, cancel)
		}
	}
	if len(got) != 2 {
		t.Fatalf("got %q", got)
	}
	// The deadline set to interrupt the Read was cleared.
	go w.WriteString("three\n")
	buf := make([]byte, 16)
	if n, err := r.Read(buf); err != nil || string(buf[:n]) != "three\n" {
		t.Errorf("Read after the scan = %q, %v; want the pipe usable", buf[:n], err)
	}
}

// TestStreamStopPipe stops a Stream and a BatchesStream whose producer is
// blocked in a Read: stop returns nil, having interrupted the Read.
func TestStreamStopPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	w.WriteString("a\nb\nc\n")
	// BatchesStream sends a short batch before the Read that blocks.
	ch, stop := BatchesStream(context.Background(), r, &Options{BatchSize: 100}, nil)
	if b := <-ch; len(b) != 3 {
		t.Errorf("first batch has %d tokens, want 3 (sent before the blocking Read)", len(b))
	}
	if err := stop(); err != nil {
		t.Errorf("stop() = %v, want nil", err)
	}
	w.WriteString("d\n")
	tch, tstop := Stream(context.Background(), r, nil, nil)
	if tok := <-tch; tok.Text() != "d" {
		t.Errorf("Stream sent %q, want d", tok.Text())
	}
	if err := tstop(); err != nil {
		t.Errorf("stop() = %v, want nil", err)
	}
}

// TestCloseOnCancel interrupts a Read of an io.Pipe, which has no read
// deadline, by closing it; without CloseOnCancel, only the writer can.
func TestCloseOnCancel(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		w.Write([]byte("one\n"))
		cancel()
	}()
	var n int
	var last error
	for _, err := range All(ctx, r, &Options{CloseOnCancel: true}) {
		n++
		last = err
	}
	if n != 2 || !errors.Is(last, context.Canceled) {
		t.Errorf("%d pairs, ending with %v; want a line and context.Canceled", n, last)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("after the scan, a Write = %v, want io.ErrClosedPipe: the reader was closed", err)
	}
}

// TestCancelInBody cancels from the loop body: the scan ends with the
// cancellation even when all of the input was read already.
func TestCancelInBody(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range All(ctx, noSeek{&failReader{data: []byte("a\nb\nc"), err: io.EOF}}, nil) {
		if err != nil {
			last = err
			break
		}
		n++
		cancel()
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("after %d tokens, the scan ended with %v, want context.Canceled", n, last)
	}
}

// TestCancelWithinBuffer cancels while the buffer holds many more lines:
// the scan stops within 1024 of them, not at the next Read.
func TestCancelWithinBuffer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := strings.Repeat("x\n", 100_000)
	n := 0
	var last error
	for _, err := range All(ctx, strings.NewReader(in), nil) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 10 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) || n > 10+1024 {
		t.Errorf("canceled after 10 lines, the scan went on for %d and ended with %v", n-10, last)
	}
}
