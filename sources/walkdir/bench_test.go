package walkdir_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/walkdir"
)

// The generated tree of the benchmarks, made once per test process and
// removed when it exits.
var (
	genOnce sync.Once
	genDir  string
	genErr  error
)

// genTree returns a directory holding 100 000 empty files: 100
// directories of 10 subdirectories of 100 files each (111 100 entries).
func genTree(b *testing.B) string {
	genOnce.Do(func() {
		genDir, genErr = os.MkdirTemp("", "walkdir-bench-")
		if genErr != nil {
			return
		}
		for i := range 100 {
			for j := range 10 {
				dir := filepath.Join(genDir, fmt.Sprintf("d%03d", i), fmt.Sprintf("s%02d", j))
				if genErr = os.MkdirAll(dir, 0o755); genErr != nil {
					return
				}
				for k := range 100 {
					f, err := os.Create(filepath.Join(dir, fmt.Sprintf("f%03d.txt", k)))
					if err != nil {
						genErr = err
						return
					}
					f.Close()
				}
			}
		}
	})
	if genErr != nil {
		b.Fatal(genErr)
	}
	return genDir
}

func removeBenchTrees() {
	if genDir != "" {
		os.RemoveAll(genDir)
	}
}

// BenchmarkWalk compares walkdir with filepath.WalkDir and fs.WalkDir on
// the same trees; benchstat -col /impl puts them side by side.
func BenchmarkWalk(b *testing.B) {
	trees := []struct {
		name string
		root func(*testing.B) string
	}{
		{"goroot", func(b *testing.B) string { return gorootSrc(b) }},
		{"gen100k", genTree},
	}
	ctx := context.Background()
	for _, tree := range trees {
		b.Run("tree="+tree.name, func(b *testing.B) {
			root := tree.root(b)
			fsys := os.DirFS(root)
			impls := []struct {
				name string
				walk func() (int, error)
			}{
				{"filepath.WalkDir", func() (n int, err error) {
					err = filepath.WalkDir(root, func(_ string, _ fs.DirEntry, err error) error { n++; return err })
					return n, err
				}},
				{"Dir", func() (n int, err error) { return count(walkdir.Dir(ctx, root, nil)) }},
				{"fs.WalkDir", func() (n int, err error) {
					err = fs.WalkDir(fsys, ".", func(_ string, _ fs.DirEntry, err error) error { n++; return err })
					return n, err
				}},
				{"All", func() (n int, err error) { return count(walkdir.All(ctx, fsys, ".", nil)) }},
				{"DirStream-w4", func() (int, error) {
					return drain(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4}))
				}},
				{"DirStream-w4-buf256", func() (int, error) {
					return drain(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4, StreamOptions: sluice.StreamOptions{Buffer: 256}}))
				}},
			}
			for _, impl := range impls {
				b.Run("impl="+impl.name, func(b *testing.B) {
					n := 0
					for b.Loop() {
						k, err := impl.walk()
						if err != nil {
							b.Fatal(err)
						}
						n += k
					}
					b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
				})
			}
		})
	}
}

func count(seq func(func(walkdir.Entry, error) bool)) (n int, err error) {
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func drain(ch <-chan walkdir.Entry, stop func() error) (n int, err error) {
	defer stop()
	for range ch {
		n++
	}
	return n, stop()
}
