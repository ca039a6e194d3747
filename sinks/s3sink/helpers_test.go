package s3sink_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
)

const mib = 1 << 20

// data returns a stream of size bytes of pseudo-random data, the same for
// a seed whatever the chunks, in chunks of the sizes given, in turn. It
// fills one buffer for every chunk, so a chunk's memory is overwritten as
// soon as its yield returns: an upload that kept a chunk would write
// wrong bytes.
func data(seed uint64, size int64, sizes ...int) iter.Seq2[[]byte, error] {
	if len(sizes) == 0 {
		sizes = []int{mib}
	}
	return func(yield func([]byte, error) bool) {
		r := rand.NewChaCha8(seedOf(seed))
		buf := make([]byte, slices.Max(sizes))
		for i, left := 0, size; left > 0; i++ {
			n := int64(sizes[i%len(sizes)])
			n = min(n, left)
			chunk := buf[:n]
			r.Read(chunk)
			left -= n
			if !yield(chunk, nil) {
				return
			}
			clear(chunk)
		}
	}
}

// reader returns a reader of the bytes of data(seed, size).
func reader(seed uint64, size int64) io.Reader {
	return io.LimitReader(rand.NewChaCha8(seedOf(seed)), size)
}

func seedOf(seed uint64) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return s
}

// digest returns the SHA-256 of the bytes of data(seed, size).
func digest(seed uint64, size int64) [32]byte {
	h := sha256.New()
	io.Copy(h, reader(seed, size))
	return [32]byte(h.Sum(nil))
}

// failAfter returns data(seed, size) followed by err.
func failAfter(seed uint64, size int64, err error, sizes ...int) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		for c := range data(seed, size, sizes...) {
			if !yield(c, nil) {
				return
			}
		}
		yield(nil, err)
	}
}

// s3Bucket is a bucket of the test's own on the test gateway, and the
// client to inspect it.
type s3Bucket struct {
	name string
	c    *s3.Client
	root string // the gateway's directory of the bucket, or "" if not known
}

func newBucket(t testing.TB) *s3Bucket {
	t.Helper()
	c := s3env.Client(t)
	b := &s3Bucket{name: s3env.NewBucket(t, c), c: c}
	if root := testenv.S3(t).Root; root != "" {
		b.root = filepath.Join(root, b.name)
	}
	return b
}

func (b *s3Bucket) input(key string) *s3.PutObjectInput {
	return &s3.PutObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)}
}

// object returns the size and SHA-256 of the object at key.
func (b *s3Bucket) object(t testing.TB, key string) (int64, [32]byte) {
	t.Helper()
	out, err := b.c.GetObject(ctxFor(t), &s3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		t.Fatalf("GetObject %s: reading: %v", key, err)
	}
	return n, [32]byte(h.Sum(nil))
}

// body returns the content of the object at key.
func (b *s3Bucket) body(t testing.TB, key string) string {
	t.Helper()
	out, err := b.c.GetObject(ctxFor(t), &s3.GetObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	p, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("GetObject %s: reading: %v", key, err)
	}
	return string(p)
}

// keys returns the keys of the bucket's objects, in order.
func (b *s3Bucket) keys(t testing.TB) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(b.c, &s3.ListObjectsV2Input{Bucket: aws.String(b.name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctxFor(t))
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// exists reports whether the bucket has an object at key.
func (b *s3Bucket) exists(t testing.TB, key string) bool {
	t.Helper()
	_, err := b.c.HeadObject(ctxFor(t), &s3.HeadObjectInput{Bucket: aws.String(b.name), Key: aws.String(key)})
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "NotFound" || ae.ErrorCode() == "NoSuchKey") {
		return false
	}
	if err != nil {
		t.Fatalf("HeadObject %s: %v", key, err)
	}
	return true
}

// uploads returns the IDs of the multipart uploads in progress in the
// bucket: those left behind.
func (b *s3Bucket) uploads(t testing.TB) []string {
	t.Helper()
	out, err := b.c.ListMultipartUploads(ctxFor(t), &s3.ListMultipartUploadsInput{Bucket: aws.String(b.name)})
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	var ids []string
	for _, u := range out.Uploads {
		ids = append(ids, aws.ToString(u.Key)+" "+aws.ToString(u.UploadId))
	}
	return ids
}

// noneLeft fails t if the bucket has a multipart upload in progress or an
// object at key.
func (b *s3Bucket) noneLeft(t testing.TB, key string) {
	t.Helper()
	if ids := b.uploads(t); len(ids) > 0 {
		t.Errorf("multipart uploads left behind: %q", ids)
	}
	if dirs := b.uploadDirs(t); len(dirs) > 0 {
		t.Errorf("multipart uploads left behind, unlisted: %q", dirs)
	}
	if b.exists(t, key) {
		t.Errorf("object %s exists after a failed upload", key)
	}
}

// leftUpload returns the ID of the one multipart upload of key left in
// the bucket, and fails t if there is not exactly one.
func (b *s3Bucket) leftUpload(t testing.TB, key, why string) string {
	t.Helper()
	ids := b.uploads(t)
	if len(ids) != 1 {
		t.Fatalf("multipart uploads left: %q, want %s", ids, why)
	}
	return strings.TrimPrefix(ids[0], key+" ")
}

// abort aborts the multipart upload id of key, which a test left behind
// on purpose.
func (b *s3Bucket) abort(t testing.TB, key, id string) {
	t.Helper()
	if _, err := b.c.AbortMultipartUpload(ctxFor(t), &s3.AbortMultipartUploadInput{
		Bucket: aws.String(b.name), Key: aws.String(key), UploadId: aws.String(id),
	}); err != nil {
		t.Errorf("AbortMultipartUpload: %v", err)
	}
}

// uploadDirs returns the directories of the multipart uploads that the
// gateway's posix backend holds for the bucket, "<key hash>/<upload ID>",
// when its directory is known. A part that ends after the abort of its
// upload makes such a directory again, which ListMultipartUploads does not
// show (the key it names is gone with the abort), though its bytes stay.
func (b *s3Bucket) uploadDirs(t testing.TB) []string {
	t.Helper()
	if b.root == "" {
		return nil
	}
	objs, err := os.ReadDir(filepath.Join(b.root, ".sgwtmp", "multipart"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, o := range objs {
		ups, err := os.ReadDir(filepath.Join(b.root, ".sgwtmp", "multipart", o.Name()))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		for _, u := range ups {
			dirs = append(dirs, o.Name()[:8]+"…/"+u.Name())
		}
	}
	return dirs
}

// ctxFor returns a context for the test's own requests, which outlive a
// context the test cancels.
func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
