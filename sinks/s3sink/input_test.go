package s3sink_test

import (
	"context"
	"io"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/checkpoint"
	"github.com/sluice-go/sluice/sinks/s3sink"
)

// What Upload cannot use is an error naming it, before the source is
// read or a request made; never a panic.
func TestUploadBadInput(t *testing.T) {
	// A client of nothing: no request may be made.
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1")})
	good := func() *s3.PutObjectInput {
		return &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k")}
	}
	with := func(f func(in *s3.PutObjectInput)) *s3.PutObjectInput {
		in := good()
		f(in)
		return in
	}
	ranged := false
	chunks := func(yield func([]byte, error) bool) { ranged = true }
	for _, tc := range []struct {
		client   s3sink.Client // nil: client
		noClient bool
		in       *s3.PutObjectInput // nil: good()
		noInput  bool
		opts     *s3sink.UploadOptions
		want     string
	}{
		{noClient: true, want: "s3sink: nil Client"},
		{client: (*s3.Client)(nil), want: "s3sink: nil Client"},
		{noInput: true, want: "s3sink: nil *s3.PutObjectInput"},
		{in: with(func(in *s3.PutObjectInput) { in.Bucket = nil }), want: "s3sink: PutObjectInput.Bucket is empty"},
		{in: with(func(in *s3.PutObjectInput) { in.Bucket = aws.String("") }), want: "s3sink: PutObjectInput.Bucket is empty"},
		{in: with(func(in *s3.PutObjectInput) { in.Key = nil }), want: "s3sink: PutObjectInput.Key is empty"},
		{in: with(func(in *s3.PutObjectInput) { in.Body = strings.NewReader("x") }),
			want: "s3sink: PutObjectInput.Body is set: the object's bytes are the chunks or the reader, not Body"},
		{in: with(func(in *s3.PutObjectInput) { in.ContentLength = aws.Int64(-1) }), want: "s3sink: PutObjectInput.ContentLength is -1, want 0 or more"},
		{in: with(func(in *s3.PutObjectInput) { in.ContentMD5 = aws.String("x") }),
			want: "s3sink: PutObjectInput.ContentMD5 is set: a checksum of the whole object is not supported (ChecksumAlgorithm has each request checksummed)"},
		{in: with(func(in *s3.PutObjectInput) { in.ChecksumSHA256 = aws.String("x") }),
			want: "s3sink: PutObjectInput.ChecksumSHA256 is set: a checksum of the whole object is not supported (ChecksumAlgorithm has each request checksummed)"},
		{in: with(func(in *s3.PutObjectInput) { in.WriteOffsetBytes = aws.Int64(5) }),
			want: "s3sink: PutObjectInput.WriteOffsetBytes is set, which the transfer manager does not support"},
		{opts: &s3sink.UploadOptions{PartSize: 1 << 20}, want: "s3sink: UploadOptions.PartSize is 1048576, want at least 5 MiB (5242880), S3's minimum"},
		{opts: &s3sink.UploadOptions{PartSize: 6 << 30}, want: "s3sink: UploadOptions.PartSize is 6442450944, want at most 5 GiB (5368709120), S3's maximum"},
		{opts: &s3sink.UploadOptions{Concurrency: -1}, want: "s3sink: UploadOptions.Concurrency is -1, want 0 or more"},
		{opts: &s3sink.UploadOptions{AbortTimeout: -time.Second}, want: "s3sink: UploadOptions.AbortTimeout is -1s, want 0 or more"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			c, in := tc.client, tc.in
			if c == nil && !tc.noClient {
				c = client
			}
			if in == nil && !tc.noInput {
				in = good()
			}
			res, err := s3sink.Upload(t.Context(), c, in, chunks, tc.opts)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Upload = %v, want %s", err, tc.want)
			}
			if res != (s3sink.UploadResult{}) {
				t.Errorf("Upload = %+v, want no result", res)
			}
			_, err = s3sink.UploadReader(t.Context(), c, in, strings.NewReader("x"), tc.opts)
			if err == nil || err.Error() != tc.want {
				t.Errorf("UploadReader = %v, want %s", err, tc.want)
			}
		})
	}
	if _, err := s3sink.Upload(t.Context(), client, good(), nil, nil); err == nil || err.Error() != "s3sink: Upload of a nil iterator" {
		t.Errorf("Upload of a nil iterator = %v", err)
	}
	if _, err := s3sink.UploadReader(t.Context(), client, good(), nil, nil); err == nil || err.Error() != "s3sink: UploadReader of a nil io.Reader" {
		t.Errorf("UploadReader of a nil reader = %v", err)
	}
	if ranged {
		t.Error("a source was ranged")
	}
}

// What Objects.Write cannot use is an error naming it, before the source
// is ranged; never a panic.
func TestObjectsBadInput(t *testing.T) {
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1")})
	store, err := checkpoint.NewFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	good := func() *s3sink.Objects[rec] {
		return &s3sink.Objects[rec]{
			Bucket: "b",
			Key:    rec.key,
			Body:   func(r rec) (io.Reader, error) { return strings.NewReader(r.body()), nil },
		}
	}
	with := func(f func(o *s3sink.Objects[rec])) *s3sink.Objects[rec] {
		o := good()
		f(o)
		return o
	}
	ranged := false
	source := iter.Seq2[rec, error](func(yield func(rec, error) bool) { ranged = true })
	for _, tc := range []struct {
		o        *s3sink.Objects[rec] // nil: good()
		noClient bool
		noSeq    bool
		want     string
	}{
		{want: "s3sink: nil *Objects"},
		{noClient: true, want: "s3sink: Write with a nil Client"},
		{noSeq: true, want: "s3sink: Write of a nil iterator"},
		{o: with(func(o *s3sink.Objects[rec]) { o.Bucket = "" }), want: "s3sink: Objects.Bucket is empty"},
		{o: with(func(o *s3sink.Objects[rec]) { o.Key = nil }), want: "s3sink: Objects.Key is nil"},
		{o: with(func(o *s3sink.Objects[rec]) { o.Body = nil }), want: "s3sink: Objects.Body is nil"},
		{o: with(func(o *s3sink.Objects[rec]) { o.Workers = -2 }), want: "s3sink: Objects.Workers is -2, want 0 or more"},
		{o: with(func(o *s3sink.Objects[rec]) { o.SaveEvery = -time.Second }), want: "s3sink: Objects.SaveEvery is -1s, want 0 or more"},
		{o: with(func(o *s3sink.Objects[rec]) { o.Upload = &s3sink.UploadOptions{PartSize: 1} }),
			want: "s3sink: Objects.Upload.PartSize is 1, want at least 5 MiB (5242880), S3's minimum"},
		{o: with(func(o *s3sink.Objects[rec]) { o.Checkpoint = store }), want: "s3sink: Objects.Checkpoint is set but Objects.Name is empty"},
		{o: with(func(o *s3sink.Objects[rec]) { o.Checkpoint, o.Name = (*checkpoint.FileStore)(nil), "n" }),
			want: "s3sink: Objects.Checkpoint is a nil pointer"},
		{o: with(func(o *s3sink.Objects[rec]) { o.Checkpoint, o.Name = store, "../n" }),
			want: `s3sink: write to s3://b: checkpoint: invalid name "../n": not a single path element (nothing written)`},
	} {
		t.Run(tc.want, func(t *testing.T) {
			o, c, seq := tc.o, s3sink.Client(client), source
			if o == nil && tc.want != "s3sink: nil *Objects" {
				o = good()
			}
			if tc.noClient {
				c = nil
			}
			if tc.noSeq {
				seq = nil
			}
			res, err := o.Write(t.Context(), c, seq)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Write = %v, want %s", err, tc.want)
			}
			if res != (s3sink.Result{}) {
				t.Errorf("Write = %+v, want no result", res)
			}
		})
	}

	// A checkpoint needs a cursor: a V without a Cursor method needs
	// Objects.Cursor.
	o := &s3sink.Objects[int]{
		Bucket:     "b",
		Key:        func(int) string { return "k" },
		Body:       func(int) (io.Reader, error) { return strings.NewReader(""), nil },
		Checkpoint: store,
		Name:       "n",
	}
	_, err = o.Write(t.Context(), client, func(yield func(int, error) bool) { ranged = true })
	want := "s3sink: Objects.Checkpoint is set but there is no cursor: Objects.Cursor is nil and int has no Cursor() string method"
	if err == nil || err.Error() != want {
		t.Errorf("Write = %v, want %s", err, want)
	}

	// A done ctx writes nothing.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := good().Write(ctx, client, source); err == nil || err.Error() != "s3sink: write to s3://b: context canceled (nothing written)" {
		t.Errorf("Write with a done ctx = %v", err)
	}
	if ranged {
		t.Error("a source was ranged")
	}

	// Load needs a checkpoint and a name.
	for _, tc := range []struct {
		o    *s3sink.Objects[rec]
		want string
	}{
		{nil, "s3sink: nil *Objects"},
		{good(), "s3sink: Load of an Objects without a Checkpoint"},
		{with(func(o *s3sink.Objects[rec]) { o.Checkpoint = store }), "s3sink: Objects.Checkpoint is set but Objects.Name is empty"},
		{with(func(o *s3sink.Objects[rec]) { o.Checkpoint, o.Name = (*checkpoint.FileStore)(nil), "n" }), "s3sink: Objects.Checkpoint is a nil pointer"},
	} {
		if c, err := tc.o.Load(t.Context()); err == nil || err.Error() != tc.want || c != "" {
			t.Errorf("Load = %q, %v, want %s", c, err, tc.want)
		}
	}
}

// A value that Write cannot write is an ObjectError naming it.
func TestObjectsBadValue(t *testing.T) {
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1")})
	for _, tc := range []struct {
		o    *s3sink.Objects[int]
		want string
	}{
		{
			&s3sink.Objects[int]{
				Bucket: "b",
				Key:    func(int) string { return "" },
				Body:   func(int) (io.Reader, error) { return strings.NewReader(""), nil },
			},
			"s3sink: value 1: empty key from Objects.Key (no value done)",
		},
		{
			&s3sink.Objects[int]{
				Bucket: "b",
				Key:    func(int) string { return "k" },
				Body:   func(int) (io.Reader, error) { return nil, nil },
			},
			"s3sink: value 1, s3://b/k: nil io.Reader from Objects.Body (no value done)",
		},
		{
			&s3sink.Objects[int]{
				Bucket: "b",
				Key:    func(int) string { return "k" },
				Body:   func(int) (io.Reader, error) { return strings.NewReader(""), nil },
				Input:  func(_ int, in *s3.PutObjectInput) { in.ContentMD5 = aws.String("x") },
			},
			"s3sink: value 1, s3://b/k: input: PutObjectInput.ContentMD5 is set: a checksum of the whole object is not supported (ChecksumAlgorithm has each request checksummed) (no value done)",
		},
	} {
		_, err := tc.o.Write(t.Context(), client, func(yield func(int, error) bool) { yield(1, nil) })
		if err == nil || err.Error() != tc.want {
			t.Errorf("Write = %v\nwant %s", err, tc.want)
		}
	}
}
