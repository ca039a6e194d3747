package scanner

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"sync"
	"testing"

	"github.com/sluice-go/sluice/shard"
)

// BenchmarkShards measures, on the 200 MB file of BenchmarkLines, Split
// into 16 shards (which reads the file to count its lines), the 16 shards
// read one after the other and by GOMAXPROCS goroutines at once, and, as
// their baseline in the same run, the whole file read by File (as
// impl=scanner of BenchmarkLines does).
func BenchmarkShards(b *testing.B) {
	path, size := benchFile(b)
	ctx, cancel := context.WithCancel(context.Background()) // a ctx that can be done, as in BenchmarkLines
	defer cancel()
	fs, err := NewFileSharder(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	shards, err := fs.Split(ctx, 16)
	if err != nil || len(shards) != 16 {
		b.Fatal(len(shards), err)
	}
	// count returns the bytes of the lines of seq, their "\n" included.
	count := func(seq iter.Seq2[Token, error]) (int64, error) {
		var n int64
		for tok, err := range seq {
			if err != nil {
				return n, err
			}
			n += int64(len(tok.Bytes)) + 1
		}
		return n, nil
	}
	read := func(sh shard.Shard) (int64, error) {
		r, err := fs.Open(sh)
		if err != nil {
			return 0, err
		}
		return count(r.All(ctx))
	}
	b.Run("op=file", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if n, err := count(File(ctx, path, nil)); err != nil || n != size {
				b.Fatal(n, size, err)
			}
		}
	})
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
			var n int64
			for _, sh := range shards {
				k, err := read(sh)
				if err != nil {
					b.Fatal(err)
				}
				n += k
			}
			if n != size {
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
			var mu sync.Mutex
			var n int64
			var errs []error
			for range runtime.GOMAXPROCS(0) {
				wg.Go(func() {
					for sh := range work {
						k, err := read(sh)
						mu.Lock()
						n += k
						errs = append(errs, err)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil || n != size {
				b.Fatal(n, size, err)
			}
		}
	})
}
