// Package benchtree makes the trees that the walkdir benchmarks walk. Both
// the package's own benchmarks and the fastwalk comparison (a module of its
// own) use it, so both measure the same trees. It imports only the
// standard library.
package benchtree

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// GorootSrc returns $(go env GOROOT)/src.
func GorootSrc() (string, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("benchtree: go env GOROOT: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "src"), nil
}

var (
	genOnce sync.Once
	genDir  string
	genErr  error
)

// Generated returns a temporary directory of 100 000 empty files: 100
// directories of 10 subdirectories of 100 files each (111 101 entries with
// the root). It makes the tree on its first call in a process; Remove
// deletes it.
func Generated() (string, error) {
	genOnce.Do(func() {
		if genDir, genErr = os.MkdirTemp("", "walkdir-bench-"); genErr != nil {
			return
		}
		for i := range 100 {
			for j := range 10 {
				dir := filepath.Join(genDir, fmt.Sprintf("d%03d", i), fmt.Sprintf("s%02d", j))
				if genErr = os.MkdirAll(dir, 0o755); genErr != nil {
					return
				}
				for k := range 100 {
					if genErr = os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.txt", k)), nil, 0o644); genErr != nil {
						return
					}
				}
			}
		}
	})
	return genDir, genErr
}

// Remove deletes the generated tree, if one was made.
func Remove() {
	if genDir != "" {
		os.RemoveAll(genDir)
	}
}
