//go:build unix

package s3sink_test

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time, user and system, that the test process
// has used: the client's, not the gateway's, which runs in a process of
// its own.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
