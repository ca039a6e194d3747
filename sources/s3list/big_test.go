package s3list_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/sources/s3list"
)

// TestConcurrentEqualsAll lists the 100,000-key bucket (16 prefixes of
// nested directories) and a flat bucket (hash-like keys, no "/") with
// every form, sequential and concurrent, and checks each yields exactly
// the keys of the SDK's paginator, in the same order (but Unordered, in
// any).
func TestConcurrentEqualsAll(t *testing.T) {
	if testing.Short() {
		t.Skip("lists 130,000 keys several times")
	}
	for _, fx := range []struct {
		name string
		keys func() []string
	}{
		{"Nested100k", bigKeys},
		{"Flat30k", func() []string { return flatKeys(30_000) }},
	} {
		t.Run(fx.name, func(t *testing.T) {
			start := time.Now()
			bucket := fileBucket(t, fx.name, fx.keys)
			t.Logf("created the bucket in %v", time.Since(start).Round(time.Millisecond))
			cs := newClients(t)
			c, ft := cs.client()
			in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}
			want := fx.keys()
			if got := listKeys(t, c, in); !slices.Equal(got, want) {
				t.Fatalf("the paginator lists %d keys, want the %d of the fixture", len(got), len(want))
			}
			for _, tc := range []struct {
				name string
				opts s3list.Options
			}{
				{"Sequential", s3list.Options{}},
				{"Workers=8", s3list.Options{Workers: 8}},
				{"Workers=16/ReadAhead=16", s3list.Options{Workers: 16, ReadAhead: 16}},
				{"Workers=8/Unordered", s3list.Options{Workers: 8, Unordered: true}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					n0 := ft.Requests()
					start := time.Now()
					objs, err := collect(s3list.All(context.Background(), c, in, &tc.opts))
					if err != nil {
						t.Fatal(err)
					}
					got := keys(objs)
					t.Logf("%d keys in %d requests, %v", len(got), ft.Requests()-n0, time.Since(start).Round(time.Millisecond))
					if tc.opts.Unordered {
						slices.Sort(got)
					}
					if !slices.Equal(got, want) {
						t.Errorf("listed %d keys, want %d: %s", len(got), len(want), firstDiff(got, want))
					}
				})
			}
		})
	}
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("key %d is %q, want %q", i, got[i], want[i])
		}
	}
	return "one is a prefix of the other"
}

// TestConcurrentMixedTopLevel lists a bucket whose top level mixes
// common prefixes and objects, in small pages with little read-ahead, so
// that ranges are cut, pages read ahead are dropped and listed again, and
// the objects the first page showed are yielded in their place.
func TestConcurrentMixedTopLevel(t *testing.T) {
	var ks []string
	for i := range 150 {
		ks = append(ks, fmt.Sprintf("a/%03d", i), fmt.Sprintf("c/%03d", i))
	}
	for i := range 8 {
		ks = append(ks, fmt.Sprintf("b%02d", i), fmt.Sprintf("d%02d", i))
	}
	slices.Sort(ks)
	cs := newClients(t)
	c, _ := cs.client()
	bucket := putBucket(t, c, ks)
	for _, maxKeys := range []int32{3, 7, 20} {
		for _, opts := range []s3list.Options{
			{Workers: 2, ReadAhead: 2},
			{Workers: 4, ReadAhead: 4},
			{Workers: 8, ReadAhead: 9},
			{Workers: 4, ReadAhead: 4, After: "v1:a/100"},
		} {
			t.Run(fmt.Sprintf("MaxKeys=%d/Workers=%d/ReadAhead=%d/After=%s", maxKeys, opts.Workers, opts.ReadAhead, opts.After), func(t *testing.T) {
				in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(maxKeys)}
				objs, err := collect(s3list.All(context.Background(), c, in, &opts))
				if err != nil {
					t.Fatal(err)
				}
				want := ks
				if opts.After != "" {
					want = ks[slices.Index(ks, "a/100")+1:]
				}
				if got := keys(objs); !slices.Equal(got, want) {
					t.Errorf("listed %d keys, want %d: %s", len(got), len(want), firstDiff(got, want))
				}
			})
		}
	}
}
