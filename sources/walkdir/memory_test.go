package walkdir_test

import (
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/walkdir"
)

// genFS is a synthetic tree of dirs directories of files files each,
// listed on the fly, so a walk of a million entries needs no disk.
type genFS struct{ dirs, files int }

type genEntry struct {
	name string
	dir  bool
}

func (e genEntry) Name() string { return e.name }
func (e genEntry) IsDir() bool  { return e.dir }
func (e genEntry) Type() fs.FileMode {
	if e.dir {
		return fs.ModeDir
	}
	return 0
}
func (e genEntry) Info() (fs.FileInfo, error)   { return e, nil }
func (e genEntry) Size() int64                  { return 0 }
func (e genEntry) Mode() fs.FileMode            { return e.Type() | 0o644 }
func (e genEntry) ModTime() time.Time           { return time.Time{} }
func (e genEntry) Sys() any                     { return nil }
func (genFS) Open(name string) (fs.File, error) { return nil, fs.ErrInvalid }

func (g genFS) Stat(name string) (fs.FileInfo, error) {
	return genEntry{name, !strings.Contains(name, "f")}, nil
}

func (g genFS) ReadDir(name string) ([]fs.DirEntry, error) {
	var out []fs.DirEntry
	if name == "." {
		for i := range g.dirs {
			out = append(out, genEntry{fmt.Sprintf("d%07d", i), true})
		}
		return out, nil
	}
	for i := range g.files {
		out = append(out, genEntry{fmt.Sprintf("f%07d", i), false})
	}
	return out, nil
}

// TestMemoryFlat walks a million entries and checks that the live heap does not grow by more than
// 10 MiB, sampling it after a GC every 50 000 entries.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("walks a million entries")
	}
	g := genFS{dirs: 1000, files: 999}
	for _, workers := range []int{0, 4} {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		base, peak, n := ms.HeapAlloc, ms.HeapAlloc, 0
		seq := walkdir.All(t.Context(), g, ".", nil)
		if workers > 0 {
			seq = sluice.FromStream(walkdir.Stream(t.Context(), g, ".", &walkdir.Options{Workers: workers}, &sluice.StreamOptions{Buffer: 64}))
		}
		for _, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n%50000 == 0 {
				runtime.GC()
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
			}
		}
		growth := float64(peak-base) / (1 << 20)
		t.Logf("Workers=%d: %d entries, live heap growth %.2f MiB", workers, n, growth)
		if n != g.dirs*(g.files+1)+1 || growth > 10 {
			t.Errorf("Workers=%d: %d entries, heap growth %.2f MiB; want %d entries, at most 10 MiB", workers, n, growth, g.dirs*(g.files+1)+1)
		}
	}
}
