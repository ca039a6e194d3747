//go:build !linux

package walkdir

import "os"

// openDir opens the directory name for reading.
func openDir(name string) (*os.File, error) { return os.Open(name) }
