package s3env_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/internal/testenv"
	"github.com/sluice-go/sluice/internal/testenv/s3env"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.M(m)) }

func TestPutList(t *testing.T) {
	c := s3env.Client(t)
	ctx := t.Context()
	bucket := s3env.NewBucket(t, c)

	// Put out of order, and with a "directory", to see the listing sorted.
	keys := []string{"b/2", "a", "c.txt"}
	for _, k := range keys {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(bucket),
			Key:    aws.String(k),
			Body:   strings.NewReader("object " + k),
		})
		if err != nil {
			t.Fatalf("PutObject %s: %v", k, err)
		}
	}

	var got []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{
		Bucket:  aws.String(bucket),
		MaxKeys: aws.Int32(2), // more than one page
	})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		pages++
		for _, o := range page.Contents {
			got = append(got, aws.ToString(o.Key))
		}
	}
	want := slices.Sorted(slices.Values(keys))
	if !slices.Equal(got, want) {
		t.Errorf("listed keys %q, want %q (in order)", got, want)
	}
	if pages != 2 {
		t.Errorf("listed in %d pages of 2 keys, want 2", pages)
	}
}

func TestHeadMissingBucket(t *testing.T) {
	c := s3env.Client(t)
	_, err := c.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String("sluice-no-such-bucket")})
	if err == nil {
		t.Fatal("HeadBucket of a missing bucket succeeded")
	}
	t.Logf("HeadBucket of a missing bucket: %v", err)
	var notFound *types.NotFound
	var apiErr smithy.APIError
	if !errors.As(err, &notFound) && !(errors.As(err, &apiErr) && apiErr.ErrorCode() == "NotFound") {
		t.Errorf("HeadBucket of a missing bucket: %v, want a NotFound error", err)
	}
}

func TestNewBucketNames(t *testing.T) {
	c := s3env.Client(t)
	t.Run("Long_Name/With.Odd_Characters-"+strings.Repeat("x", 80), func(t *testing.T) {
		a, b := s3env.NewBucket(t, c), s3env.NewBucket(t, c)
		if a == b || len(a) > 63 {
			t.Errorf("NewBucket names %q and %q, want distinct and at most 63 characters", a, b)
		}
	})
}

// TestNewFileBucket checks that the gateway lists files written into its
// directory as objects, in key order, across directories.
func TestNewFileBucket(t *testing.T) {
	env := testenv.S3(t)
	c := s3env.NewClient(t, env)
	var keys []string
	for i := range 30 {
		keys = append(keys, fmt.Sprintf("p%d/d%d/f%02d", i%3, i%2, i), fmt.Sprintf("top%02d", i))
	}
	keys = append(keys, "p0.txt", "p0-x/y")
	bucket := s3env.NewFileBucket(t, env, c, keys)
	var got []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(7)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			got = append(got, aws.ToString(o.Key))
			if aws.ToInt64(o.Size) != 0 {
				t.Errorf("object %s has size %d, want 0", aws.ToString(o.Key), aws.ToInt64(o.Size))
			}
		}
	}
	want := slices.Sorted(slices.Values(keys))
	if !slices.Equal(got, want) {
		t.Errorf("listed %q,\nwant %q (the keys in byte order)", got, want)
	}
	out, err := c.GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(keys[0])})
	if err != nil {
		t.Fatalf("GetObject of a file-made object: %v", err)
	}
	out.Body.Close()
}
