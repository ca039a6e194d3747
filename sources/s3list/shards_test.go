package s3list_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/s3list"
)

// shardKeys are the keys of the sharded bucket: 6 prefixes of 25 keys,
// objects between them at the top level, and a prefix of 2 levels.
func shardKeys() []string {
	var ks []string
	for p := range 6 {
		ks = append(ks, fmt.Sprintf("o%d", p))
		for k := range 25 {
			ks = append(ks, fmt.Sprintf("p%d/k%02d", p, k))
		}
	}
	for d := range 3 {
		for k := range 10 {
			ks = append(ks, fmt.Sprintf("q/d%d/k%d", d, k))
		}
	}
	return ks
}

// skewedKeys are the keys of the skewed bucket: one prefix holds 90% of
// them.
func skewedKeys() []string {
	var ks []string
	for k := range 180 {
		ks = append(ks, fmt.Sprintf("big/%04d", k*7))
	}
	for p := range 10 {
		ks = append(ks, fmt.Sprintf("s%d/a", p), fmt.Sprintf("s%d/b", p))
	}
	return ks
}

// TestShards runs conformance.TestShards on a sharder of a bucket of
// prefixes and objects, and of a skewed one, in pages of 7 keys, so
// that shards and splits fall inside pages and across them.
func TestShards(t *testing.T) {
	for _, fx := range []struct {
		name string
		keys func() []string
	}{
		{"Prefixes", shardKeys},
		{"Skewed", skewedKeys},
	} {
		t.Run(fx.name, func(t *testing.T) {
			bucket := fileBucket(t, "shards-"+fx.name, fx.keys)
			cs := newClients(t)
			c, _ := cs.client()
			in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(7)}
			sh, err := s3list.NewSharder(c, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, err := collect(s3list.Entries(context.Background(), c, in, nil))
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != len(fx.keys()) {
				t.Fatalf("the bucket lists %d keys, want %d", len(want), len(fx.keys()))
			}
			conformance.TestShards(t, conformance.Shards[s3list.Entry]{
				Source: sh,
				Want:   want,
				Cursor: s3list.Entry.Cursor,
				Equal:  sameEntry,
				BadShards: []shard.Shard{
					{Source: "s3list:other/"},
					{Source: "s3list:" + bucket + "/", Start: "b", End: "a"},
					{Source: "s3list:" + bucket + "/", Start: "\xff"},
					{Source: "s3list:" + bucket + "/", Cursor: "p0/k01"},
					{Source: "s3list:" + bucket + "/", Start: "p1/", Cursor: "v1:p0/k01"},
					{Source: "s3list:" + bucket + "/", End: "p1/", Cursor: "v1:p1/k01"},
				},
			}, nil)
		})
	}
}
