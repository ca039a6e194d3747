//go:build unix

package rillbench

import (
	"syscall"
	"time"
)

// cpuTime returns the user and system CPU time of the process so far: on
// a shared machine, what a map costs in CPU is steadier than its time.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
