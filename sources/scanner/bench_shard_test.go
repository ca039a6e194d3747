package scanner

import (
	"context"
	"sync"
	"testing"

	"github.com/sluice-go/sluice/shard"
)

// BenchmarkShards measures, on the 200 MB file of BenchmarkLines, Split
// into 16 shards (which reads the file to count its lines), the 16 shards
// read one after the other (against File, impl=scanner of BenchmarkLines),
// and read by GOMAXPROCS goroutines at once.
func BenchmarkShards(b *testing.B) {
	path, size := benchFile(b)
	ctx := context.Background()
	fs, err := NewFileSharder(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	shards, err := fs.Split(ctx, 16)
	if err != nil || len(shards) != 16 {
		b.Fatal(len(shards), err)
	}
	read := func(sh shard.Shard) int {
		r, err := fs.Open(sh)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for tok, err := range r.All(ctx) {
			if err != nil {
				b.Fatal(err)
			}
			n += len(tok.Bytes) + 1
		}
		return n
	}
	b.Run("op=split16", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, err := fs.Split(ctx, 16); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("op=read16", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			n := 0
			for _, sh := range shards {
				n += read(sh)
			}
			if int64(n) != size {
				b.Fatal(n, size)
			}
		}
	})
	b.Run("op=read16parallel", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			work := make(chan shard.Shard, len(shards))
			for _, sh := range shards {
				work <- sh
			}
			close(work)
			var wg sync.WaitGroup
			for range 2 {
				wg.Go(func() {
					for sh := range work {
						read(sh)
					}
				})
			}
			wg.Wait()
		}
	})
}
