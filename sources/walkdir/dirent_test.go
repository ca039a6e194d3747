//go:build unix

package walkdir_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/sluice-go/sluice/sources/walkdir"
)

// TestDirEntriesAsOS checks that Dir describes every entry as
// filepath.WalkDir (os.ReadDir) does: name, type, its String form and
// what Info returns, sequential and with workers, on a tree holding a
// file, a directory, symbolic links and a named pipe. Dir reads Linux directories itself (issue 13), not through os.
func TestDirEntriesAsOS(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "d", "e"), 0o755))
	must(os.WriteFile(filepath.Join(root, "d", "f.txt"), []byte("hello"), 0o644))
	must(os.Symlink("d", filepath.Join(root, "link")))
	must(os.Symlink("nowhere", filepath.Join(root, "dangling")))
	must(syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644))
	for _, tree := range []string{root, gorootSrc(t)} {
		want := map[string]string{}
		err := filepath.WalkDir(tree, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			want[p] = describe(d)
			return nil
		})
		must(err)
		for _, workers := range []int{0, 4} {
			n := 0
			for e, err := range walkdir.Dir(t.Context(), tree, &walkdir.Options{Workers: workers}) {
				must(err)
				n++
				if got := describe(e.DirEntry); got != want[e.Path] {
					t.Errorf("Workers=%d: %s = %s, want %s", workers, e.Path, got, want[e.Path])
				}
			}
			if n != len(want) {
				t.Errorf("Workers=%d: %d entries, want %d", workers, n, len(want))
			}
		}
	}
}

// describe returns all that a fs.DirEntry tells of itself.
func describe(d fs.DirEntry) string {
	s := fmt.Sprintf("%s name=%q dir=%v type=%v", d, d.Name(), d.IsDir(), d.Type())
	info, err := d.Info()
	if err != nil {
		return s + " info error: " + err.Error()
	}
	return s + fmt.Sprintf(" info=%q %v %d", info.Name(), info.Mode(), info.Size())
}
