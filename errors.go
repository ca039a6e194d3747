package sluice

import "errors"

var (
	// ErrReused is the error a single-use iterator yields when it is
	// ranged a second time (see the package documentation, "Iterators").
	ErrReused = errors.New("sluice: single-use iterator ranged more than once")

	errNilSeq = errors.New("sluice: nil iterator")
)
