package sluice_test

import (
	"sync"

	"github.com/sluice-go/sluice"
)

// recorder is an Observer that keeps what it heard.
type recorder struct {
	mu    sync.Mutex
	sends []sluice.SendEvent
	ends  []sluice.EndEvent
}

func (r *recorder) Sent(e sluice.SendEvent) {
	r.mu.Lock()
	r.sends = append(r.sends, e)
	r.mu.Unlock()
}

func (r *recorder) Ended(e sluice.EndEvent) {
	r.mu.Lock()
	r.ends = append(r.ends, e)
	r.mu.Unlock()
}

func countingObserver() *recorder { return &recorder{} }
