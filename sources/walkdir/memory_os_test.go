package walkdir_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/walkdir"
	"github.com/sluice-go/sluice/sources/walkdir/internal/benchtree"
)

// BenchmarkMemoryTree measures the heap that Dir and DirStream hold while
// they walk a real tree of 10^6 entries on disk (issue 13: "state the
// bound and measure it on 10^6 entries"), sequential and with 4 workers.
// The tree is the directory named by $WALKDIR_TREE, made there by
// benchtree.Spread if it does not exist, and left for the next run:
//
//	WALKDIR_TREE=/tmp/walkdir-1m go test -run '^$' -bench MemoryTree -benchtime 1x -count 3 ./sources/walkdir
//	rm -rf /tmp/walkdir-1m
//
// heap=live forces a collection every 10 000 entries and reports the
// largest growth of the live heap over the walk (live-MiB): what the walk
// holds, which the package documentation bounds. heap=sampled does not
// force collections and reports the largest growth of the heap's objects,
// garbage not yet collected included, sampled every 1024 entries
// (heap-MiB): what the process sees with the default GOGC.
func BenchmarkMemoryTree(b *testing.B) {
	root := os.Getenv("WALKDIR_TREE")
	if root == "" {
		b.Skip("WALKDIR_TREE names no tree: set it to a directory, made with 10^6 entries if it does not exist")
	}
	if _, err := os.Lstat(root); errors.Is(err, fs.ErrNotExist) {
		dirs, largest, err := benchtree.Spread(root, 1_000_000)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("made %s: 10^6 entries, %d directories, the largest of %d entries", root, dirs, largest)
	}
	ctx := context.Background()
	forms := []struct {
		name string
		seq  func() func(func(walkdir.Entry, error) bool)
	}{
		{"Dir", func() func(func(walkdir.Entry, error) bool) { return walkdir.Dir(ctx, root, nil) }},
		{"Dir-w4", func() func(func(walkdir.Entry, error) bool) {
			return walkdir.Dir(ctx, root, &walkdir.Options{Workers: 4})
		}},
		{"DirStream", func() func(func(walkdir.Entry, error) bool) {
			return sluice.FromStream(walkdir.DirStream(ctx, root, nil, nil))
		}},
		{"DirStream-w4", func() func(func(walkdir.Entry, error) bool) {
			return sluice.FromStream(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4}, nil))
		}},
		{"DirStream-w4-buf256", func() func(func(walkdir.Entry, error) bool) {
			return sluice.FromStream(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4}, &sluice.StreamOptions{Buffer: 256}))
		}},
	}
	for _, form := range forms {
		for _, live := range []bool{true, false} {
			name := "form=" + form.name + "/heap=sampled"
			if live {
				name = "form=" + form.name + "/heap=live"
			}
			b.Run(name, func(b *testing.B) {
				var peak uint64
				n := 0
				for b.Loop() {
					g, k, err := heapGrowth(form.seq(), live)
					if err != nil {
						b.Fatal(err)
					}
					peak, n = max(peak, g), k
				}
				b.ReportMetric(float64(n), "entries")
				if live {
					b.ReportMetric(float64(peak)/(1<<20), "live-MiB")
				} else {
					b.ReportMetric(float64(peak)/(1<<20), "heap-MiB")
				}
			})
		}
	}
}

// heapGrowth walks seq and returns the largest growth of the heap over
// the heap after a collection before the walk, and the number of entries:
// of the live heap, after a collection every 10 000 entries, if live; of
// the heap's objects, sampled every 1024 entries, if not. It returns the
// error that ended the walk, if any.
func heapGrowth(seq func(func(walkdir.Entry, error) bool), live bool) (uint64, int, error) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	base := heap()
	peak, n := base, 0
	for _, err := range seq {
		if err != nil {
			return 0, n, err
		}
		n++
		switch {
		case live && n%10000 == 0:
			runtime.GC()
			peak = max(peak, heap())
		case !live && n%1024 == 0:
			peak = max(peak, heap())
		}
	}
	return peak - base, n, nil
}
