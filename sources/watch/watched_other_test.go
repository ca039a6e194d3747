//go:build !linux

package watch_test

import "testing"

// watched cannot tell what is watched here: ok is false.
func watched(t *testing.T, dir string) (watched, ok bool) { return false, false }
