package s3list_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sluice-go/sluice/sources/s3list"
)

// fakeS3 starts an in-process S3 server holding bucket with keys, and
// returns a client for it and a function that stops both.
func fakeS3(bucket string, keys ...string) (*s3.Client, func()) {
	backend := s3mem.New()
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	tr := &http.Transport{}
	client := s3.New(s3.Options{
		BaseEndpoint: aws.String(srv.URL),
		Region:       "us-east-1",
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "id", SecretAccessKey: "secret"}, nil
		}),
		HTTPClient: &http.Client{Transport: tr},
	})
	ctx := context.Background()
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		panic(err)
	}
	for _, k := range keys {
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k),
		}); err != nil {
			panic(err)
		}
	}
	return client, func() {
		tr.CloseIdleConnections()
		srv.Close()
	}
}

func ExampleAll() {
	client, stop := fakeS3("photos", "2024/a.jpg", "2024/b.jpg", "2025/c.jpg", "index.html")
	defer stop()

	in := &s3.ListObjectsV2Input{Bucket: aws.String("photos"), Prefix: aws.String("2024/")}
	for o, err := range s3list.All(context.Background(), client, in, nil) {
		if err != nil {
			fmt.Println("error:", err) // a failed request, or ctx canceled: never silent
			return
		}
		fmt.Println(*o.Key, *o.Size)
	}
	// Output:
	// 2024/a.jpg 10
	// 2024/b.jpg 10
}

// Resuming: a listing that stopped (here, after two keys) continues after
// the cursor of the last object it handled, which a consumer records
// durably (package checkpoint).
func ExampleOptions_after() {
	client, stop := fakeS3("logs", "a", "b", "c", "d", "e")
	defer stop()
	ctx := context.Background()
	in := &s3.ListObjectsV2Input{Bucket: aws.String("logs"), MaxKeys: aws.Int32(2)}

	var cursor string
	for o, err := range s3list.All(ctx, client, in, nil) {
		if err != nil {
			panic(err)
		}
		cursor = s3list.Entry{Object: &o}.Cursor()
		if *o.Key == "b" {
			break // the process dies here
		}
	}
	fmt.Println("resuming after", cursor)
	for o, err := range s3list.All(ctx, client, in, &s3list.Options{After: cursor}) {
		if err != nil {
			panic(err)
		}
		fmt.Println(*o.Key)
	}
	// Output:
	// resuming after v1:b
	// c
	// d
	// e
}

// Entries yields the common prefixes of a listing with a delimiter,
// merged with its objects in key order, as "ls" shows a directory.
func ExampleEntries() {
	client, stop := fakeS3("site", "about.html", "css/main.css", "img/a.png", "img/b.png", "index.html")
	defer stop()

	in := &s3.ListObjectsV2Input{Bucket: aws.String("site"), Delimiter: aws.String("/")}
	for e, err := range s3list.Entries(context.Background(), client, in, nil) {
		if err != nil {
			panic(err)
		}
		if e.IsPrefix() {
			fmt.Println("dir ", e.Prefix)
		} else {
			fmt.Println("file", e.Key())
		}
	}
	// Output:
	// file about.html
	// dir  css/
	// dir  img/
	// file index.html
}

// Stream with Workers lists ranges of the key space concurrently, and
// still yields the objects in key order.
func ExampleStream() {
	var keys []string
	for i := range 2500 {
		keys = append(keys, fmt.Sprintf("k%04d", i))
	}
	client, stop := fakeS3("data", keys...)
	defer stop()

	in := &s3.ListObjectsV2Input{Bucket: aws.String("data"), MaxKeys: aws.Int32(100)}
	objects, stopList := s3list.Stream(context.Background(), client, in, &s3list.Options{Workers: 4}, nil)
	defer stopList()
	n, ordered, prev := 0, true, ""
	for o := range objects {
		n++
		ordered = ordered && *o.Key > prev
		prev = *o.Key
	}
	if err := stopList(); err != nil {
		panic(err)
	}
	fmt.Println(n, "objects, in key order:", ordered)
	// Output:
	// 2500 objects, in key order: true
}
