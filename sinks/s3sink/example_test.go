package s3sink_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sluice-go/sluice/checkpoint"
	"github.com/sluice-go/sluice/sinks/s3sink"
)

// fakeS3 starts an in-process S3 server with the bucket, and returns a
// client of it and a function that stops it.
func fakeS3(bucket string) (*s3.Client, func()) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	tr := &http.Transport{}
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(srv.URL),
		Region:       "us-east-1",
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "key", SecretAccessKey: "secret"}, nil
		}),
		HTTPClient: &http.Client{Transport: tr},
	})
	if _, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		log.Fatal(err)
	}
	return client, func() {
		tr.CloseIdleConnections()
		srv.Close()
	}
}

// Upload writes a stream of chunks as one object: in a single request
// when it is smaller than a part, as here, and as a multipart upload
// otherwise.
func ExampleUpload() {
	client, stop := fakeS3("logs")
	defer stop()
	ctx := context.Background()

	chunks := func(yield func([]byte, error) bool) {
		buf := make([]byte, 0, 64)
		for i := 1; i <= 3; i++ {
			buf = fmt.Appendf(buf[:0], "line %d\n", i) // reused: Upload copies each chunk
			if !yield(buf, nil) {
				return
			}
		}
	}
	res, err := s3sink.Upload(ctx, client, &s3.PutObjectInput{
		Bucket:      aws.String("logs"),
		Key:         aws.String("2026/11/27.log"),
		ContentType: aws.String("text/plain"),
	}, chunks, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d bytes in %d parts\n", res.Size, res.Parts)

	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: aws.String("2026/11/27.log")})
	if err != nil {
		log.Fatal(err)
	}
	defer out.Body.Close()
	io.Copy(os.Stdout, out.Body)
	// Output:
	// 21 bytes in 0 parts
	// line 1
	// line 2
	// line 3
}

// A stream larger than a part is a multipart upload. When the stream
// fails, the upload is aborted: no object, and no parts, are left.
func ExampleUpload_multipart() {
	client, stop := fakeS3("backups")
	defer stop()
	ctx := context.Background()
	in := &s3.PutObjectInput{Bucket: aws.String("backups"), Key: aws.String("db.dump")}
	opts := &s3sink.UploadOptions{PartSize: 5 << 20, Concurrency: 2}

	// 12 MiB in chunks of 1 MiB.
	chunk := make([]byte, 1<<20)
	dump := func(failAt int) func(yield func([]byte, error) bool) {
		return func(yield func([]byte, error) bool) {
			for i := range 12 {
				if i == failAt {
					yield(nil, fmt.Errorf("dump: connection lost"))
					return
				}
				if !yield(chunk, nil) {
					return
				}
			}
		}
	}
	_, err := s3sink.Upload(ctx, client, in, dump(7), opts)
	msg, _, _ := strings.Cut(err.Error(), " (") // then the aborted upload's ID
	fmt.Println(msg)
	uploads, _ := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("backups")})
	fmt.Println("uploads left:", len(uploads.Uploads))

	res, err := s3sink.Upload(ctx, client, in, dump(-1), opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d MiB in %d parts\n", res.Size>>20, res.Parts)
	// Output:
	// s3sink: upload to s3://backups/db.dump: source failed after 7340032 bytes: dump: connection lost
	// uploads left: 0
	// 12 MiB in 3 parts
}

type Order struct {
	ID    int     `json:"id"`
	Total float64 `json:"total"`
}

// Cursor is where a stream of orders stands after o: the source resumes
// after it.
func (o Order) Cursor() string { return strconv.Itoa(o.ID) }

// Objects writes each order as an object of its own, and checkpoints the
// orders done, so that a restarted pipeline resumes after them.
func ExampleObjects() {
	client, stop := fakeS3("orders")
	defer stop()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "checkpoints")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	store, err := checkpoint.NewFile(dir)
	if err != nil {
		log.Fatal(err)
	}

	sink := &s3sink.Objects[Order]{
		Bucket: "orders",
		Key:    func(o Order) string { return fmt.Sprintf("orders/%06d.json", o.ID) },
		Body: func(o Order) (io.Reader, error) {
			b, err := json.Marshal(o)
			return strings.NewReader(string(b)), err
		},
		Input: func(_ Order, in *s3.PutObjectInput) {
			in.ContentType = aws.String("application/json")
		},
		Workers:    4,
		Checkpoint: store,
		Name:       "orders-to-s3",
	}
	// orders stands for a source: the orders after the cursor after.
	orders := func(after string) func(yield func(Order, error) bool) {
		return func(yield func(Order, error) bool) {
			from, _ := strconv.Atoi(after)
			for id := from + 1; id <= 10; id++ {
				if !yield(Order{ID: id, Total: float64(id) * 1.5}, nil) {
					return
				}
			}
		}
	}

	after, err := sink.Load(ctx) // "" the first time
	if err != nil {
		log.Fatal(err)
	}
	res, err := sink.Write(ctx, client, orders(after))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d orders written, checkpoint at %q\n", res.Values, res.Cursor)

	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("orders"), Key: aws.String("orders/000007.json")})
	if err != nil {
		log.Fatal(err)
	}
	defer out.Body.Close()
	body, _ := io.ReadAll(out.Body)
	fmt.Println(string(body))

	// A restart resumes after the checkpoint: nothing is left to do.
	after, _ = sink.Load(ctx)
	res, _ = sink.Write(ctx, client, orders(after))
	fmt.Printf("after %q: %d orders written\n", after, res.Values)
	// Output:
	// 10 orders written, checkpoint at "10"
	// {"id":7,"total":10.5}
	// after "10": 0 orders written
}
