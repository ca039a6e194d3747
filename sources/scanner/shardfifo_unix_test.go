//go:build unix

package scanner

import (
	"path/filepath"
	"syscall"
	"testing"
)

// A FIFO is refused before it is opened, which would block Split.
func TestFileSharderSplitFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	notRegular(t, fifo)
}
