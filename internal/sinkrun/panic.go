package sinkrun

import (
	"errors"
	"sync"
)

// ErrPanicked ends the work of a call that panicked (a COPY, an object's
// upload) so that the sink can clean up; Write then raises the panic
// again, and returns no error.
var ErrPanicked = errors.New("sinkrun: panicked")

// A Panic carries the first panic of a sink's calls, recovered in the
// goroutine they run in (a coroutine, pgx's, a worker), where it would
// crash the process, to the caller's goroutine, which raises it again
// once the sink has rolled back or aborted what the panic left open. It
// is safe for concurrent use; its zero value holds no panic.
type Panic struct {
	mu     sync.Mutex
	caught bool
	v      any
}

// Catch records v, what recover returned, unless a panic is recorded
// already, and reports whether v is a panic (not nil).
//
//	defer func() {
//		if p.Catch(recover()) {
//			err = sinkrun.ErrPanicked
//		}
//	}()
func (p *Panic) Catch(v any) bool {
	if v == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.caught {
		p.caught, p.v = true, v
	}
	return true
}

// Caught reports whether a panic is recorded.
func (p *Panic) Caught() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.caught
}

// Raise panics with the value recorded, if any.
func (p *Panic) Raise() {
	p.mu.Lock()
	caught, v := p.caught, p.v
	p.mu.Unlock()
	if caught {
		panic(v)
	}
}
