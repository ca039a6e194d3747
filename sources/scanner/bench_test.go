package scanner

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// benchFileMiB is the size of the benchmark file: the 200 MB.
const benchFileMiB = 200

// linesBlock returns 1 MiB or so of lines of 60 to 100 bytes, 80 on
// average, ending with "\n".
func linesBlock() []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for b.Len() < 1<<20 {
		n := 59 + rng.IntN(41)
		for range n {
			b.WriteByte(byte('a' + rng.IntN(26)))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// benchFile writes the benchmark file in b's temporary directory (once per
// top-level benchmark, which the sub-benchmarks share).
func benchFile(b *testing.B) (path string, size int64) {
	path = filepath.Join(b.TempDir(), "lines")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	block := linesBlock()
	for range benchFileMiB {
		if _, err := f.Write(block); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path, int64(len(block)) * benchFileMiB
}

// BenchmarkLines compares ways to go through the lines of a 200 MB file:
// a raw bufio.Scanner loop (default buffer, and a 64 KiB one), File, the
// batched channel form, and the limit: bytes.Count over 1 MiB reads.
func BenchmarkLines(b *testing.B) {
	path, size := benchFile(b)
	ctx, cancel := context.WithCancel(context.Background()) // a ctx that can be done, as in a service
	defer cancel()
	run := func(name string, scan func() (int, error)) {
		b.Run("impl="+name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				if n, err := scan(); err != nil || n == 0 {
					b.Fatal(n, err)
				}
			}
		})
	}
	bufioScan := func(buf []byte) func() (int, error) {
		return func() (int, error) {
			f, err := os.Open(path)
			if err != nil {
				return 0, err
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			if buf != nil {
				sc.Buffer(buf, 1<<20)
			}
			n := 0
			for sc.Scan() {
				n += len(sc.Bytes()) + 1
			}
			return n, sc.Err()
		}
	}
	run("bufio", bufioScan(nil))
	run("bufio64k", bufioScan(make([]byte, 64<<10)))
	run("scanner", func() (int, error) {
		n := 0
		for tok, err := range File(ctx, path, nil) {
			if err != nil {
				return 0, err
			}
			n += len(tok.Bytes) + 1
		}
		return n, nil
	})
	run("batches", func() (int, error) {
		batches, stop := FileBatches(ctx, path, nil)
		defer stop()
		n := 0
		for batch := range batches {
			for _, tok := range batch {
				n += len(tok.Bytes) + 1
			}
		}
		return n, stop()
	})
	run("count", func() (int, error) {
		f, err := os.Open(path)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		buf := make([]byte, 1<<20)
		n := 0
		for {
			k, err := f.Read(buf)
			n += bytes.Count(buf[:k], newline)
			if err == io.EOF {
				return n, nil
			}
			if err != nil {
				return 0, err
			}
		}
	})
}

// repeatReader returns block n times, from memory.
type repeatReader struct {
	block []byte
	pos   int
	n     int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := copy(p, r.block[r.pos:])
	if r.pos += k; r.pos == len(r.block) {
		r.pos, r.n = 0, r.n-1
	}
	return k, nil
}

// BenchmarkMemory scans 10^7 lines of about 80 bytes from memory and
// reports the bytes allocated and the growth of the live heap, sampled
// every 10^6 lines, over the heap before the scan.
func BenchmarkMemory(b *testing.B) {
	const lines = 10_000_000
	block := linesBlock()
	perBlock := bytes.Count(block, newline)
	reader := func() io.Reader { return &repeatReader{block: block, n: (lines + perBlock - 1) / perBlock} }
	measure := func(b *testing.B, scan func(sample func(int))) {
		for b.Loop() {
			runtime.GC()
			var before, now runtime.MemStats
			runtime.ReadMemStats(&before)
			peak := before.HeapAlloc
			scan(func(n int) {
				if n%1_000_000 == 0 {
					runtime.ReadMemStats(&now)
					peak = max(peak, now.HeapAlloc)
				}
			})
			runtime.ReadMemStats(&now)
			b.ReportMetric(float64(now.TotalAlloc-before.TotalAlloc)/(1<<20), "alloc-MiB")
			b.ReportMetric(float64(peak-before.HeapAlloc)/(1<<20), "heap-growth-MiB")
		}
	}
	b.Run("impl=scanner", func(b *testing.B) {
		measure(b, func(sample func(int)) {
			n := 0
			for _, err := range All(context.Background(), reader(), nil) {
				if err != nil {
					b.Fatal(err)
				}
				n++
				sample(n)
			}
		})
	})
	b.Run("impl=batches", func(b *testing.B) {
		measure(b, func(sample func(int)) {
			ch, stop := Batches(context.Background(), reader(), nil)
			defer stop()
			n := 0
			for batch := range ch {
				for range batch {
					n++
					sample(n)
				}
			}
			if err := stop(); err != nil {
				b.Fatal(err)
			}
		})
	})
}
