package s3list_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/s3list"
)

// TestNewSharderRefuses checks that NewSharder refuses, with an error
// naming the problem and before any request, the input a listing cannot
// run with and the input a sharder cannot honour.
func TestNewSharderRefuses(t *testing.T) {
	b := aws.String("b")
	for _, tc := range []struct {
		name   string
		client s3.ListObjectsV2APIClient
		in     *s3.ListObjectsV2Input
		opts   *s3list.Options
		want   string
	}{
		{"NilClient", nil, &s3.ListObjectsV2Input{Bucket: b}, nil, "nil client"},
		{"NilInput", &fakeClient{}, nil, nil, "nil *s3.ListObjectsV2Input"},
		{"NoBucket", &fakeClient{}, &s3.ListObjectsV2Input{}, nil, "Bucket is empty"},
		{"EncodingType", &fakeClient{}, &s3.ListObjectsV2Input{Bucket: b, EncodingType: types.EncodingTypeUrl}, nil, "EncodingType"},
		{"NegativeWorkers", &fakeClient{}, &s3.ListObjectsV2Input{Bucket: b}, &s3list.Options{Workers: -2}, "Workers is -2"},
		{"Delimiter", &fakeClient{}, &s3.ListObjectsV2Input{Bucket: b, Delimiter: aws.String("/")}, nil, `Delimiter "/"`},
		{"ContinuationToken", &fakeClient{}, &s3.ListObjectsV2Input{Bucket: b, ContinuationToken: aws.String("t")}, nil, "ContinuationToken"},
		{"StartAfter", &fakeClient{}, &s3.ListObjectsV2Input{Bucket: b, StartAfter: aws.String("k")}, nil, `StartAfter "k"`},
		{"After", &fakeClient{}, &s3.ListObjectsV2Input{Bucket: b}, &s3list.Options{After: "v1:k"}, `Options.After "v1:k"`},
		{"Unordered", &fakeClient{}, &s3.ListObjectsV2Input{Bucket: b}, &s3list.Options{Workers: 4, Unordered: true}, "Options.Unordered"},
		{"PrefixNotUTF8", &fakeClient{}, &s3.ListObjectsV2Input{Bucket: b, Prefix: aws.String("a\xff")}, nil, "not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh, err := s3list.NewSharder(tc.client, tc.in, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewSharder = %v, %v; want an error containing %q", sh, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "s3list: ") {
				t.Errorf("error %q does not start with the package's name", err)
			}
			if f, ok := tc.client.(*fakeClient); ok && f.calls != 0 {
				t.Errorf("%d requests sent", f.calls)
			}
		})
	}
}

// TestSharderNoRequest checks what the sharder decides without a
// request: Split(1) is the whole listing, Split(0) and a bad keep are
// errors, a shard's text form round-trips, and Open checks a shard
// before any request.
func TestSharderNoRequest(t *testing.T) {
	ctx := context.Background()
	fake := &fakeClient{}
	sh, err := s3list.NewSharder(fake, &s3.ListObjectsV2Input{Bucket: aws.String("b"), Prefix: aws.String("logs/")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sh.Split(ctx, 1)
	if want := (shard.Shard{Source: "s3list:b/logs/"}); err != nil || len(got) != 1 || got[0] != want {
		t.Errorf("Split(1) = %v, %v; want [%+v]", got, err, want)
	}
	for _, n := range []int{0, -1} {
		if _, err := sh.Split(ctx, n); err == nil {
			t.Errorf("Split(%d) = nil error, want one", n)
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := sh.Split(canceled, 4); !errors.Is(err, context.Canceled) {
		t.Errorf("Split with a canceled ctx = %v, want context.Canceled", err)
	}
	for _, bad := range []shard.Shard{
		{Source: "s3list:b/"},
		{Source: "s3list:c/logs/"},
		{Source: "walkdir:logs"},
		{Source: "s3list:b/logs/", Start: "data/1"},
		{Source: "s3list:b/logs/", End: "logs/\xff"},
		{Source: "s3list:b/logs/", Start: "logs/b", End: "logs/a"},
		{Source: "s3list:b/logs/", Cursor: "logs/a"},
		{Source: "s3list:b/logs/", Cursor: "v1:"},
		{Source: "s3list:b/logs/", Start: "logs/b", Cursor: "v1:logs/a"},
		{Source: "s3list:b/logs/", End: "logs/b", Cursor: "v1:logs/b"},
	} {
		if _, err := sh.Open(bad); !errors.Is(err, shard.ErrBadShard) {
			t.Errorf("Open(%+v) = %v, want an error wrapping shard.ErrBadShard", bad, err)
		}
	}
	if _, err := sh.Open(shard.Shard{Source: "s3list:b/logs/", Cursor: "logs/a"}); !errors.Is(err, s3list.ErrBadCursor) {
		t.Errorf("Open of a shard with a bare-key cursor = %v, want an error wrapping ErrBadCursor too", err)
	}
	r, err := sh.Open(shard.Shard{Source: "s3list:b/logs/", Start: "logs/a", End: "logs/a"})
	if err != nil {
		t.Fatalf("Open of an empty shard = %v", err)
	}
	for _, keep := range []float64{-0.1, 1, 2, math.NaN()} {
		if _, err := r.Split(ctx, keep); err == nil || errors.Is(err, shard.ErrNoSplit) {
			t.Errorf("Split(%v) = %v, want an error about keep", keep, err)
		}
	}
	if fake.calls != 0 {
		t.Errorf("%d requests sent", fake.calls)
	}
}
