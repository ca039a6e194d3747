package s3sink_test

import (
	"context"
	"encoding/binary"
	"io"
	"iter"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/sinks/s3sink"
)

const (
	benchSize  = 1 << 30 // bytes per upload
	benchChunk = 1 << 20 // bytes per chunk of the generated stream
)

// benchBlock is the pattern of the generated stream: each chunk is the
// block with its number in its first 8 bytes, so that no two parts are
// alike, and producing a chunk costs no more than writing 8 bytes.
var benchBlock = func() []byte {
	b := make([]byte, benchChunk)
	rand.NewChaCha8([32]byte{1}).Read(b)
	return b
}()

// benchChunks returns the generated stream of size bytes as chunks, each
// the block stamped with its number: the stream a source that yields its
// own buffers gives.
func benchChunks(size int64) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		for i := int64(0); i*benchChunk < size; i++ {
			binary.LittleEndian.PutUint64(benchBlock, uint64(i))
			if !yield(benchBlock[:min(benchChunk, size-i*benchChunk)], nil) {
				return
			}
		}
	}
}

// benchReader is the same stream as an io.Reader, which copies the block
// into the reader's buffer: what the transfer manager reads.
type benchReader struct {
	size, off int64
}

func (r *benchReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	i, in := r.off/benchChunk, r.off%benchChunk
	binary.LittleEndian.PutUint64(benchBlock, uint64(i))
	n := copy(p, benchBlock[in:min(benchChunk, r.size-i*benchChunk)])
	r.off += int64(n)
	return n, nil
}

// BenchmarkUpload uploads a generated 1 GiB stream as one object to the
// test gateway in three ways, each reporting MB/s: impl=transfermanager,
// the baseline, the transfer manager's UploadObject of the stream as an
// io.Reader; impl=s3sink, Upload of the stream as chunks of 1 MiB; and
// impl=s3sink-reader, UploadReader of the io.Reader. All use the transfer
// manager's defaults: parts of 8 MiB, 5 at once. The object is deleted
// after each upload, outside the timer. Each also reports cpu-sec/op, the
// CPU time of the test process (the client) per upload, which the
// gateway's work and its disk do not blur as they blur the wall time.
func BenchmarkUpload(b *testing.B) {
	bk := newBucket(b)
	ctx := context.Background()
	run := func(name string, upload func(key string) (int64, error)) {
		b.Run("impl="+name, func(b *testing.B) {
			b.SetBytes(benchSize)
			key := "bench/" + name
			var cpu time.Duration
			for b.Loop() {
				before := cpuTime(b)
				n, err := upload(key)
				if err != nil {
					b.Fatal(err)
				}
				if n != benchSize {
					b.Fatalf("uploaded %d bytes, want %d", n, benchSize)
				}
				cpu += cpuTime(b) - before
				b.StopTimer()
				if _, err := bk.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bk.name), Key: aws.String(key)}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-sec/op")
		})
	}
	tm := transfermanager.New(bk.c)
	run("transfermanager", func(key string) (int64, error) {
		out, err := tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
			Bucket: aws.String(bk.name),
			Key:    aws.String(key),
			Body:   &benchReader{size: benchSize},
		})
		if err != nil {
			return 0, err
		}
		return aws.ToInt64(out.ContentLength), nil
	})
	run("s3sink", func(key string) (int64, error) {
		res, err := s3sink.Upload(ctx, bk.c, bk.input(key), benchChunks(benchSize), nil)
		return res.Size, err
	})
	run("s3sink-reader", func(key string) (int64, error) {
		res, err := s3sink.UploadReader(ctx, bk.c, bk.input(key), &benchReader{size: benchSize}, nil)
		return res.Size, err
	})
}

// The generated stream is the same as chunks and as a reader.
func TestBenchStream(t *testing.T) {
	const size = 3*benchChunk + 12345
	var chunks []byte
	for c := range benchChunks(size) {
		chunks = append(chunks, c...)
	}
	r, err := io.ReadAll(io.LimitReader(&benchReader{size: size}, size+1))
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != size || string(chunks) != string(r) {
		t.Errorf("chunks (%d bytes) and reader (%d bytes) differ", len(chunks), len(r))
	}
}
