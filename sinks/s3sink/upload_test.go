package s3sink_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/sinks/s3sink"
)

// A multipart upload of chunks of odd sizes, which straddle the parts,
// writes the object byte for byte.
func TestUploadMultipart(t *testing.T) {
	b := newBucket(t)
	const size = 20*mib + 12345
	opts := &s3sink.UploadOptions{PartSize: 5 * mib, Concurrency: 3}
	for _, tc := range []struct {
		name  string
		sizes []int
	}{
		{"odd", []int{1, 4093, 65537, mib + 7, 3*mib - 1, 17}},
		{"larger than parts", []int{11*mib + 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "big/" + tc.name
			res, err := s3sink.Upload(t.Context(), b.c, b.input(key), data(1, size, tc.sizes...), opts)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if res.Size != size || res.Parts != 5 || res.ETag == "" {
				t.Errorf("Upload = %+v, want Size %d in 5 Parts with an ETag", res, size)
			}
			n, sum := b.object(t, key)
			if n != size || sum != digest(1, size) {
				t.Errorf("object %s: %d bytes, sha256 %x; want %d bytes, sha256 %x", key, n, sum, size, digest(1, size))
			}
		})
	}
	if ids := b.uploads(t); len(ids) > 0 {
		t.Errorf("multipart uploads left behind: %q", ids)
	}
}

// An object smaller than a part is put in a single request; one of exactly
// a part is a multipart upload of one part; an empty one is an empty
// object.
func TestUploadSmall(t *testing.T) {
	b := newBucket(t)
	opts := &s3sink.UploadOptions{PartSize: 5 * mib}
	for _, tc := range []struct {
		name  string
		size  int64
		parts int
	}{
		{"empty", 0, 0},
		{"one byte", 1, 0},
		{"a part less a byte", 5*mib - 1, 0},
		{"one part", 5 * mib, 1},
		{"a part and a byte", 5*mib + 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "small/" + tc.name
			res, err := s3sink.Upload(t.Context(), b.c, b.input(key), data(2, tc.size, 1000, 70000), opts)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if res.Size != tc.size || res.Parts != tc.parts {
				t.Errorf("Upload = %+v, want Size %d, Parts %d", res, tc.size, tc.parts)
			}
			n, sum := b.object(t, key)
			if n != tc.size || sum != digest(2, tc.size) {
				t.Errorf("object %s: %d bytes, sha256 %x; want %d bytes, sha256 %x", key, n, sum, tc.size, digest(2, tc.size))
			}
		})
	}
}

// UploadReader uploads what a reader gives, and the object keeps the
// attributes of the input, single or multipart.
func TestUploadReader(t *testing.T) {
	b := newBucket(t)
	for _, size := range []int64{1000, 11*mib + 1} {
		key := "reader/" + strings.Repeat("x", int(size%7))
		in := b.input(key)
		in.ContentType = aws.String("application/x-test")
		in.Metadata = map[string]string{"origin": "s3sink"}
		res, err := s3sink.UploadReader(t.Context(), b.c, in, reader(3, size), &s3sink.UploadOptions{PartSize: 5 * mib})
		if err != nil {
			t.Fatalf("UploadReader of %d bytes: %v", size, err)
		}
		if res.Size != size {
			t.Errorf("UploadReader of %d bytes = %+v", size, res)
		}
		n, sum := b.object(t, key)
		if n != size || sum != digest(3, size) {
			t.Errorf("object %s: %d bytes, sha256 %x; want %d bytes, sha256 %x", key, n, sum, size, digest(3, size))
		}
		head, err := b.c.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: in.Bucket, Key: in.Key})
		if err != nil {
			t.Fatal(err)
		}
		if ct := aws.ToString(head.ContentType); ct != "application/x-test" || head.Metadata["origin"] != "s3sink" {
			t.Errorf("object of %d bytes: ContentType %q, Metadata %v; want application/x-test, origin=s3sink", size, ct, head.Metadata)
		}
	}
}

// ContentLength, when set, is checked against the bytes of the source.
func TestUploadContentLength(t *testing.T) {
	b := newBucket(t)
	opts := &s3sink.UploadOptions{PartSize: 5 * mib}
	for _, tc := range []struct {
		name       string
		size, want int64
		msg        string
	}{
		{"short single", 1000, 1001, "source failed after 1000 bytes: ended after 1000 bytes, short of ContentLength (1001 bytes) (nothing written)"},
		{"long single", 1000, 999, "source failed after 1000 bytes: more than ContentLength (999 bytes) (nothing written)"},
		{"short multipart", 11 * mib, 11*mib + 1, "source failed after 11534336 bytes: ended after 11534336 bytes, short of ContentLength (11534337 bytes) (nothing written: multipart upload "},
		{"long multipart", 11 * mib, 6 * mib, "source failed after 7340032 bytes: more than ContentLength (6291456 bytes) (nothing written: multipart upload "},
		{"exact", 6 * mib, 6 * mib, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "length/" + tc.name
			in := b.input(key)
			in.ContentLength = aws.Int64(tc.want)
			_, err := s3sink.Upload(t.Context(), b.c, in, data(4, tc.size, mib), opts)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("Upload: %v", err)
				}
				return
			}
			want := "s3sink: upload to s3://" + b.name + "/" + key + ": " + tc.msg
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Upload = %v\nwant %s…", err, want)
			}
			b.noneLeft(t, key)
		})
	}
}

// A source error stops the upload, which is aborted; the error is the
// source's.
func TestUploadSourceError(t *testing.T) {
	b := newBucket(t)
	boom := errors.New("boom")
	for _, size := range []int64{1000, 13 * mib} {
		key := "source-error"
		stopped := false
		chunks := func(yield func([]byte, error) bool) {
			defer func() { stopped = true }()
			failAfter(5, size, boom, 100000, 3*mib)(yield)
		}
		_, err := s3sink.Upload(t.Context(), b.c, b.input(key), chunks, &s3sink.UploadOptions{PartSize: 5 * mib})
		if !errors.Is(err, boom) {
			t.Fatalf("Upload of %d bytes, then an error = %v, want boom", size, err)
		}
		if !stopped {
			t.Error("the source did not return")
		}
		t.Log(err)
		b.noneLeft(t, key)
	}
}

// Cancelling ctx while the source is read aborts the multipart upload.
func TestUploadCancelled(t *testing.T) {
	b := newBucket(t)
	ctx, cancel := context.WithCancel(t.Context())
	key := "cancelled"
	read := int64(0)
	chunks := func(yield func([]byte, error) bool) {
		for c := range data(6, 40*mib, mib) {
			if read += int64(len(c)); read == 17*mib {
				cancel() // three parts sent or being sent
			}
			if !yield(c, nil) {
				return
			}
		}
		t.Error("the source was read to the end")
	}
	_, err := s3sink.Upload(ctx, b.c, b.input(key), chunks, &s3sink.UploadOptions{PartSize: 5 * mib, Concurrency: 2})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Upload = %v, want context.Canceled", err)
	}
	want := "s3sink: upload to s3://" + b.name + "/" + key + ": stopped after 17825792 bytes: context canceled (nothing written: multipart upload "
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Upload = %v\nwant %s…", err, want)
	}
	b.noneLeft(t, key)
}

// A cancellation before anything is read reads nothing.
func TestUploadCancelledBefore(t *testing.T) {
	b := newBucket(t)
	ctx, cancel := context.WithCancelCause(t.Context())
	why := errors.New("shutting down")
	cancel(why)
	ranged := false
	_, err := s3sink.Upload(ctx, b.c, b.input("k"), func(yield func([]byte, error) bool) { ranged = true }, nil)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, why) {
		t.Errorf("Upload = %v, want context.Canceled and its cause", err)
	}
	if ranged {
		t.Error("the source was ranged")
	}
	b.noneLeft(t, "k")
}
