// Package fastwalkbench benchmarks walkdir against filepath.WalkDir and
// github.com/charlievieth/fastwalk on the same trees. Run it from this
// directory:
//
//	go test -run '^$' -bench . -count 6
package fastwalkbench

import (
	"context"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/charlievieth/fastwalk"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/walkdir"
)

var (
	genOnce sync.Once
	genDir  string
	genErr  error
)

// genTree makes, once per process, a directory of 100 000 empty files:
// 100 directories of 10 subdirectories of 100 files (111 100 entries).
func genTree(b *testing.B) string {
	genOnce.Do(func() {
		if genDir, genErr = os.MkdirTemp("", "fastwalkbench-"); genErr != nil {
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
	if genErr != nil {
		b.Fatal(genErr)
	}
	return genDir
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if genDir != "" {
			os.RemoveAll(genDir)
		}
		os.Exit(code)
	}))
}

func goroot(b *testing.B) string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Skip(err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "src")
}

func BenchmarkWalk(b *testing.B) {
	ctx := context.Background()
	for _, tree := range []struct {
		name string
		root func(*testing.B) string
	}{{"goroot", goroot}, {"gen100k", genTree}} {
		b.Run("tree="+tree.name, func(b *testing.B) {
			root := tree.root(b)
			impls := []struct {
				name string
				walk func() (int64, error)
			}{
				{"filepath.WalkDir", func() (n int64, err error) {
					err = filepath.WalkDir(root, func(_ string, _ fs.DirEntry, err error) error { n++; return err })
					return n, err
				}},
				{"fastwalk-w4", func() (int64, error) {
					var n atomic.Int64
					n.Add(1) // fastwalk does not call fn for root
					err := fastwalk.Walk(&fastwalk.Config{NumWorkers: 4}, root, func(_ string, _ fs.DirEntry, err error) error {
						n.Add(1)
						return err
					})
					return n.Load(), err
				}},
				{"Dir", func() (n int64, err error) {
					for _, err := range walkdir.Dir(ctx, root, nil) {
						if err != nil {
							return n, err
						}
						n++
					}
					return n, nil
				}},
				{"Dir-w4", func() (n int64, err error) {
					for _, err := range walkdir.Dir(ctx, root, &walkdir.Options{Workers: 4}) {
						if err != nil {
							return n, err
						}
						n++
					}
					return n, nil
				}},
				{"DirStream-w4-batch256", func() (n int64, err error) {
					ch, stop := sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[[]walkdir.Entry, error] {
						return sluice.Batch(walkdir.Dir(ctx, root, &walkdir.Options{Workers: 4}), 256)
					}, nil)
					defer stop()
					for b := range ch {
						n += int64(len(b))
					}
					return n, stop()
				}},
				{"DirStream-w4", func() (int64, error) {
					return drain(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4}))
				}},
				{"DirStream-w4-buf256", func() (int64, error) {
					return drain(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4, StreamOptions: sluice.StreamOptions{Buffer: 256}}))
				}},
			}
			for _, impl := range impls {
				b.Run("impl="+impl.name, func(b *testing.B) {
					var n int64
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

func drain(ch <-chan walkdir.Entry, stop func() error) (n int64, err error) {
	defer stop()
	for range ch {
		n++
	}
	return n, stop()
}
