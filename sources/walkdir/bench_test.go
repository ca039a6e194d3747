package walkdir_test

import (
	"context"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"testing"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/channelbench"
	"github.com/sluice-go/sluice/sources/walkdir"
	"github.com/sluice-go/sluice/sources/walkdir/internal/benchtree"
)

// genTree returns the generated tree of 100 000 files (benchtree), made
// once per test process and removed when it exits.
func genTree(b *testing.B) string {
	dir, err := benchtree.Generated()
	if err != nil {
		b.Fatal(err)
	}
	return dir
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
					return drain(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4}, nil))
				}},
				{"DirStream-w4-buf256", func() (int, error) {
					return drain(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4}, &sluice.StreamOptions{Buffer: 256}))
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

// BenchmarkChannel measures issue 12 for walkdir: the recommended channel
// form, sluice.StreamBatches over walkdir.Dir, beside the iterator it
// wraps, on the trees of BenchmarkWalk, sequential and with 4 read-ahead
// workers. Every consumer does the same trivial work per entry (adds up
// the length of its path); benchstat -col /impl puts the forms side by
// side. It reports ns/entry besides the time of a walk.
func BenchmarkChannel(b *testing.B) {
	trees := []struct {
		name string
		root func(*testing.B) string
	}{
		{"goroot", func(b *testing.B) string { return gorootSrc(b) }},
		{"gen100k", genTree},
	}
	for _, tree := range trees {
		b.Run("tree="+tree.name, func(b *testing.B) {
			root := tree.root(b)
			for _, workers := range []int{1, 4} {
				opts := &walkdir.Options{Workers: workers}
				b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
					channelbench.Run(b, "entry", 0, func(ctx context.Context) iter.Seq2[walkdir.Entry, error] {
						return walkdir.Dir(ctx, root, opts)
					}, func(e walkdir.Entry) int { return len(e.Path) })
				})
			}
		})
	}
}
