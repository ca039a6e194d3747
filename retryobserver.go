package sluice

import "time"

// A RetryObserver is an [Observer] that also hears each reopening of a
// [ResumeStream]'s source: an optional capability, found by a type
// assertion on StreamOptions.Observer, as io/fs finds a StatFS, so that
// an Observer written before it keeps working and one that does not care
// need not implement it. Package observe's Log implements it, and so
// does Multi when any of its Observers does.
//
// Retrying is called from the producer goroutine, before the delay, so
// that a long wait is seen as it begins; it must not block.
type RetryObserver interface {
	Observer
	Retrying(RetryEvent)
}

// A RetryEvent describes a transient failure of a resumed source, and the
// reopening that follows it.
type RetryEvent struct {
	Stream string // StreamOptions.Name; "" for the iterator form

	// Attempt is the number of the opening that failed, counted from 1
	// since the last value delivered (since the start if none was): the
	// reopening after Delay is attempt Attempt+1.
	Attempt int

	Err    error         // the failure
	Delay  time.Duration // the wait before the reopening
	Cursor string        // the reopening resumes strictly after it: the cursor of the last value delivered, or ResumeOptions.After
}
