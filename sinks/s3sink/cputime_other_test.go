//go:build !unix

package s3sink_test

import (
	"testing"
	"time"
)

// cpuTime returns 0: the CPU time of the process is measured on Unix only.
func cpuTime(*testing.B) time.Duration { return 0 }
