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
	"strconv"
	"testing"
	"unicode/utf8"
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
		batches, stop := FileBatchesStream(ctx, path, nil, nil)
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
			ch, stop := BatchesStream(context.Background(), reader(), nil, nil)
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

// BenchmarkChannel measures issue 12 for scanner: its recommended channel
// form, FileBatchesStream, beside the iterator File and the batches'
// iterator FileBatches, over the 200 MiB file of BenchmarkLines.
// (sluice.StreamBatches cannot wrap File: its tokens alias the read
// buffer. FileBatchesStream sends tokens safe to keep.)
//
// With work=sum every consumer does the same trivial work per line: it
// adds up the lengths. impl=recycled is an experiment, not a form of the
// package, and is not safe: a goroutine ranges File and sends its tokens
// in batches of 1024 whose slices the consumer hands back for reuse, so
// that nothing is allocated per batch and the tokens alias the one read
// buffer File writes over (the consumer reads only their lengths). It is
// what moving the tokens to another goroutine costs without the fresh
// memory that makes FileBatchesStream's tokens safe to keep.
//
// The work=text and work=json sub-benchmarks are an extra: a consumer that
// does realistic work per line, as the sluice command's output does, so
// that producer and consumer of the channel form each have work for a
// core. text appends the line and a newline to a reused buffer, written
// to io.Discard every 64 KiB; json appends
// {"line":N,"offset":N,"text":"…"} and a newline instead.
func BenchmarkChannel(b *testing.B) {
	path, size := benchFile(b)
	ctx, cancel := context.WithCancel(context.Background()) // a ctx that can be done, as in a service
	defer cancel()
	works := []struct {
		name string
		new  func() *benchConsumer
	}{
		{"sum", func() *benchConsumer { return &benchConsumer{} }},
		{"text", func() *benchConsumer { return &benchConsumer{out: make([]byte, 0, 68<<10), line: appendText} }},
		{"json", func() *benchConsumer { return &benchConsumer{out: make([]byte, 0, 68<<10), line: appendJSON} }},
	}
	for _, work := range works {
		b.Run("work="+work.name, func(b *testing.B) {
			impls := []struct {
				name string
				scan func(c *benchConsumer) error
			}{
				{"iterator", func(c *benchConsumer) error {
					for tok, err := range File(ctx, path, nil) {
						if err != nil {
							return err
						}
						c.take(tok)
					}
					return nil
				}},
				{"FileBatches", func(c *benchConsumer) error {
					for batch, err := range FileBatches(ctx, path, nil) {
						if err != nil {
							return err
						}
						for _, tok := range batch {
							c.take(tok)
						}
					}
					return nil
				}},
				{"FileBatchesStream", func(c *benchConsumer) error {
					batches, stop := FileBatchesStream(ctx, path, nil, nil)
					defer stop()
					for batch := range batches {
						for _, tok := range batch {
							c.take(tok)
						}
					}
					return stop()
				}},
			}
			if work.name == "sum" {
				impls = append(impls, struct {
					name string
					scan func(c *benchConsumer) error
				}{"recycled", func(c *benchConsumer) error { return recycledBatches(ctx, path, c) }})
			}
			for _, impl := range impls {
				b.Run("impl="+impl.name, func(b *testing.B) {
					b.SetBytes(size)
					var lines int64
					for b.Loop() {
						c := work.new()
						if err := impl.scan(c); err != nil {
							b.Fatal(err)
						}
						if c.done(); c.n != size {
							b.Fatalf("consumed %d bytes, want %d", c.n, size)
						}
						lines += c.lines
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(lines), "ns/line")
				})
			}
		})
	}
}

// A benchConsumer is the consumer of BenchmarkChannel: it counts the
// lines and their bytes (with the newline), and with line set, formats
// each line into out, written to io.Discard every 64 KiB.
type benchConsumer struct {
	n, lines int64
	line     func([]byte, Token) []byte
	out      []byte
}

func (c *benchConsumer) take(t Token) {
	c.n += int64(len(t.Bytes)) + 1
	c.lines++
	if c.line != nil {
		c.out = c.line(c.out, t)
		if len(c.out) >= 64<<10 {
			io.Discard.Write(c.out)
			c.out = c.out[:0]
		}
	}
}

func (c *benchConsumer) done() {
	if len(c.out) > 0 {
		io.Discard.Write(c.out)
		c.out = c.out[:0]
	}
}

// appendText appends the line as it is, and a newline: the command's text
// output.
func appendText(b []byte, t Token) []byte {
	b = append(b, t.Bytes...)
	return append(b, '\n')
}

// appendJSON appends the line as a JSON object, as the command's JSON
// output does (without the cursor), escaping the text the way it does for
// printable ASCII and falling back to strconv.AppendQuote otherwise (not
// taken by the benchmark's lines).
func appendJSON(b []byte, t Token) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, t.Line, 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, t.Offset, 10)
	b = append(b, `,"text":`...)
	plain := true
	for _, c := range t.Bytes {
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, t.Bytes...)
		b = append(b, '"')
	} else {
		b = strconv.AppendQuote(b, string(t.Bytes))
	}
	return append(b, '}', '\n')
}

// recycledBatches is the unsafe experiment of BenchmarkChannel: File's
// tokens, which alias its reused read buffer, sent in batches of 1024 over
// an unbuffered channel from a goroutine, the batches' slices handed back
// by the consumer and reused. Only the tokens' lengths may be read.
func recycledBatches(ctx context.Context, path string, c *benchConsumer) error {
	const size = defaultBatchSize
	batches := make(chan []Token)
	free := make(chan []Token, 4)
	for range cap(free) {
		free <- make([]Token, 0, size)
	}
	errc := make(chan error, 1)
	go func() {
		defer close(batches)
		batch := <-free
		for tok, err := range File(ctx, path, nil) {
			if err != nil {
				errc <- err
				return
			}
			if batch = append(batch, tok); len(batch) == size {
				batches <- batch
				batch = (<-free)[:0]
			}
		}
		if len(batch) > 0 {
			batches <- batch
		}
		errc <- nil
	}()
	for batch := range batches {
		for _, tok := range batch {
			c.take(tok)
		}
		free <- batch
	}
	return <-errc
}
