// Package fastwalkbench benchmarks walkdir against filepath.WalkDir and
// github.com/charlievieth/fastwalk on the same trees. Run it from this
// directory:
//
//	go test -run '^$' -bench . -count 6
package fastwalkbench

import (
	"context"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/charlievieth/fastwalk"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/walkdir"
	"github.com/sluice-go/sluice/sources/walkdir/internal/benchtree"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		benchtree.Remove()
		os.Exit(code)
	}))
}

func goroot(b *testing.B) string {
	dir, err := benchtree.GorootSrc()
	if err != nil {
		b.Skip(err)
	}
	return dir
}

func genTree(b *testing.B) string {
	dir, err := benchtree.Generated()
	if err != nil {
		b.Fatal(err)
	}
	return dir
}

// usr is /usr, a real system tree (about 150 000 entries on a Debian
// image), skipped where there is none.
func usr(b *testing.B) string {
	if _, err := os.Stat("/usr"); err != nil {
		b.Skip(err)
	}
	return "/usr"
}

func BenchmarkWalk(b *testing.B) {
	ctx := context.Background()
	for _, tree := range []struct {
		name string
		root func(*testing.B) string
	}{{"goroot", goroot}, {"gen100k", genTree}, {"usr", usr}} {
		b.Run("tree="+tree.name, func(b *testing.B) {
			root := tree.root(b)
			// The entries of the tree, walked once, for the hand-off
			// impls.
			listed := sync.OnceValues(func() ([]walkdir.Entry, error) {
				var ents []walkdir.Entry
				for e, err := range walkdir.Dir(ctx, root, nil) {
					if err != nil {
						return nil, err
					}
					ents = append(ents, e)
				}
				return ents, nil
			})
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
					return drain(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4}, nil))
				}},
				{"DirStream-w4-buf256", func() (int64, error) {
					return drain(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4}, &sluice.StreamOptions{Buffer: 256}))
				}},
				// What DirStream adds to Dir, alone: the same entries,
				// already walked, sent by sluice.StreamFunc on a channel of
				// the same buffer and drained the same way.
				{"handoff", func() (int64, error) { return handoff(ctx, listed, 0) }},
				{"handoff-buf256", func() (int64, error) { return handoff(ctx, listed, 256) }},
				// The same on a bare Go channel, without sluice.
				{"handoff-rawchan-buf256", func() (int64, error) {
					ents, err := listed()
					if err != nil {
						return 0, err
					}
					ch := make(chan walkdir.Entry, 256)
					go func() {
						defer close(ch)
						for _, e := range ents {
							ch <- e
						}
					}()
					var n int64
					for range ch {
						n++
					}
					return n, nil
				}},
			}
			for _, impl := range impls {
				b.Run("impl="+impl.name, func(b *testing.B) {
					if strings.HasPrefix(impl.name, "handoff") {
						if _, err := listed(); err != nil { // walked before the clock starts
							b.Fatal(err)
						}
					}
					var n int64
					cpu0, cpuOK := cpuTime()
					for b.Loop() {
						k, err := impl.walk()
						if err != nil {
							b.Fatal(err)
						}
						n += k
					}
					b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "entries/s")
					if cpu1, ok := cpuTime(); ok && cpuOK {
						b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
					}
				})
			}
		})
	}
}

// handoff sends the entries that listed returns on a channel of buffer
// buf, as DirStream sends those of its walk, and drains it.
func handoff(ctx context.Context, listed func() ([]walkdir.Entry, error), buf int) (int64, error) {
	ents, err := listed()
	if err != nil {
		return 0, err
	}
	return drain(sluice.StreamFunc(ctx, func(context.Context) iter.Seq2[walkdir.Entry, error] {
		return func(yield func(walkdir.Entry, error) bool) {
			for _, e := range ents {
				if !yield(e, nil) {
					return
				}
			}
		}
	}, &sluice.StreamOptions{Buffer: buf}))
}

func drain(ch <-chan walkdir.Entry, stop func() error) (n int64, err error) {
	defer stop()
	for range ch {
		n++
	}
	return n, stop()
}
