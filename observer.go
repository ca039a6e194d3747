package sluice

import (
	"context"
	"errors"
	"time"
)

// An Observer hears what happens to the channel of a stream: each value
// sent, with the time the send waited for the consumer and how full the
// buffer was, and the end of the stream with its reason.
//
// The root package calls an Observer from the producer goroutines of the
// streams it was given to, so an Observer shared by several streams, or
// given to [Merge], must be safe for concurrent use. Its methods are called
// on the hot path of the stream and must not block.
//
// Package observe turns these calls into log lines and metrics; the root
// package depends on nothing.
type Observer interface {
	// Sent is called after each value has been handed to the channel.
	Sent(SendEvent)
	// Ended is called once, when the producer has finished and before the
	// channel is closed, so it has always been called by the time a
	// consumer sees the channel closed or stop returns.
	Ended(EndEvent)
}

// A SendEvent describes one value sent on a stream's channel.
type SendEvent struct {
	Stream string        // StreamOptions.Name
	Wait   time.Duration // how long the send blocked waiting for the consumer; 0 if it did not block
	Len    int           // values in the channel's buffer right after the send
	Cap    int           // the channel's capacity (0: unbuffered)
	Values int           // the values the send carried: 1, or the length of a batch of StreamBatches
}

// An EndEvent describes the end of a stream.
type EndEvent struct {
	Stream   string        // StreamOptions.Name
	Items    int64         // values sent (those of each batch, for StreamBatches)
	Duration time.Duration // from the start of the producer to its end
	Reason   Reason
	// Err is the terminal error: nil for Exhausted and Stopped; for
	// Canceled and DeadlineExceeded it matches the context error with
	// errors.Is and carries context.Cause.
	Err error
}

// A Reason says why a stream ended.
type Reason int

const (
	Exhausted        Reason = iota // the source ended by itself, without error
	Stopped                        // the consumer called stop before the end
	Canceled                       // the parent context was canceled
	DeadlineExceeded               // the parent context's deadline passed
	Failed                         // the source failed (or panicked)
)

var reasonNames = [...]string{"exhausted", "stopped", "canceled", "deadline_exceeded", "failed"}

// String returns the reason as a lower-case word suitable for a metric label:
// "exhausted", "stopped", "canceled", "deadline_exceeded" or "failed".
func (r Reason) String() string {
	if r >= 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// ReasonOf classifies a terminal error the way the root package does for
// [EndEvent]: nil is Exhausted, an error matching context.DeadlineExceeded
// is DeadlineExceeded, one matching context.Canceled is Canceled, and any
// other error is Failed. (Stopped cannot be told from an error: a stream
// stopped by its consumer ends with a nil error.)
func ReasonOf(err error) Reason {
	switch {
	case err == nil:
		return Exhausted
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	case errors.Is(err, context.Canceled):
		return Canceled
	default:
		return Failed
	}
}
