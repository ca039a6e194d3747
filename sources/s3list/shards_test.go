package s3list_test

import (
	"context"
	"fmt"
	"iter"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/internal/s3fault"
	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/s3list"
)

// shardKeys are the keys of the sharded bucket: 3 prefixes of 10 keys,
// objects between them at the top level, and a prefix of 2 levels.
func shardKeys() []string {
	var ks []string
	for p := range 3 {
		ks = append(ks, fmt.Sprintf("o%d", p))
		for k := range 10 {
			ks = append(ks, fmt.Sprintf("p%d/k%02d", p, k))
		}
	}
	for d := range 2 {
		for k := range 3 {
			ks = append(ks, fmt.Sprintf("q/d%d/k%d", d, k))
		}
	}
	return ks
}

// skewedKeys are the keys of the skewed bucket: one prefix holds 90% of
// them.
func skewedKeys() []string {
	var ks []string
	for k := range 54 {
		ks = append(ks, fmt.Sprintf("big/%04d", k*7))
	}
	for p := range 3 {
		ks = append(ks, fmt.Sprintf("s%d/a", p), fmt.Sprintf("s%d/b", p))
	}
	return ks
}

// shardPage is the MaxKeys of the readers of TestShards: small, so that
// shards, splits and cursors fall inside pages and across them.
const shardPage = 4

// TestShards runs conformance.TestShards on a sharder of a bucket of
// prefixes and objects, and of a skewed one, in pages of 4 keys, so
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
			in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(shardPage)}
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

// TestShardConformance runs conformance.Test on the reader of the middle
// shard of a Split in 3 (bounded on both sides, so that its first request
// starts before its Start and its last one reads past its End): All, its
// channel form by shard.Stream, After as the shard opened with a Cursor,
// and Fail, StreamFail, Stall and StreamStall by the fault transport, in
// pages of one key, which fails or hangs the request after n values.
func TestShardConformance(t *testing.T) {
	bucket := fileBucket(t, "shards-Prefixes", shardKeys)
	cs := newClients(t)
	plain, _ := cs.client()
	input := func(maxKeys int32) *s3.ListObjectsV2Input {
		return &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(maxKeys)}
	}
	sharder := func(c s3.ListObjectsV2APIClient, maxKeys int32) *s3list.Sharder {
		sh, err := s3list.NewSharder(c, input(maxKeys), nil)
		if err != nil {
			t.Fatal(err)
		}
		return sh
	}
	shards, err := sharder(plain, 1000).Split(context.Background(), 3)
	if err != nil || len(shards) != 3 {
		t.Fatalf("Split(3) = %v, %v; want 3 shards", shards, err)
	}
	mid := shards[1]
	r, err := sharder(plain, 1000).Open(mid)
	if err != nil {
		t.Fatal(err)
	}
	want, err := collect(r.All(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	var wantKeys []string
	for _, e := range want {
		wantKeys = append(wantKeys, e.Key())
	}
	t.Logf("shard [%q, %q): %d keys", mid.Start, mid.End, len(want))
	if len(want) < 10 {
		t.Fatalf("the middle shard holds %d keys: too few to test", len(want))
	}
	// open opens the shard, with cursor, on client c in pages of maxKeys:
	// an iterator that yields Open's error if it fails.
	open := func(ctx context.Context, c s3.ListObjectsV2APIClient, maxKeys int32, cursor string) iter.Seq2[s3list.Entry, error] {
		sh := mid
		sh.Cursor = cursor
		r, err := sharder(c, maxKeys).Open(sh)
		if err != nil {
			return sluice.Fail[s3list.Entry](err)
		}
		return r.All(ctx)
	}
	stream := func(ctx context.Context, c s3.ListObjectsV2APIClient, maxKeys int32) (<-chan s3list.Entry, func() error) {
		r, err := sharder(c, maxKeys).Open(mid)
		if err != nil {
			return sluice.FailedStream[s3list.Entry](err)
		}
		return shard.Stream(ctx, r, nil)
	}
	fail := func(n int) s3.ListObjectsV2APIClient {
		c, _ := cs.client(s3fault.Rule{Match: startsAt(bucket, wantKeys, n), Status: 403})
		return c
	}
	stall := func(n int) s3.ListObjectsV2APIClient {
		c, _ := cs.client(s3fault.Rule{Match: startsAt(bucket, wantKeys, n), Hang: true})
		return c
	}
	conformance.Test(t, conformance.Source[s3list.Entry]{
		All: func(ctx context.Context) iter.Seq2[s3list.Entry, error] {
			return open(ctx, plain, conformancePage, "")
		},
		Stream: func(ctx context.Context) (<-chan s3list.Entry, func() error) {
			return stream(ctx, plain, conformancePage)
		},
		Want:      want,
		Equal:     sameEntry,
		SingleUse: true,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[s3list.Entry, error] {
			return accessDenied(open(ctx, fail(n), 1, ""), err)
		},
		StreamFail: func(ctx context.Context, n int, err error) (<-chan s3list.Entry, func() error) {
			ch, stop := stream(ctx, fail(n), 1)
			return ch, accessDeniedStop(stop, err)
		},
		Stall: func(ctx context.Context, n int) iter.Seq2[s3list.Entry, error] {
			return open(ctx, stall(n), 1, "")
		},
		StreamStall: func(ctx context.Context, n int) (<-chan s3list.Entry, func() error) {
			return stream(ctx, stall(n), 1)
		},
		Cursor: s3list.Entry.Cursor,
		After: func(ctx context.Context, cursor string) iter.Seq2[s3list.Entry, error] {
			return open(ctx, plain, conformancePage, cursor)
		},
		PageSize: conformancePage,
		BadCursors: []string{
			"v1", "v1:", "v2:" + wantKeys[1], "V1:" + wantKeys[1], wantKeys[1], "v1:" + wantKeys[1] + "\xff",
			"v1:" + shards[0].Start + "a", // before the shard
			"v1:" + mid.End,               // at its End
			"v1:zzz",                      // after it
		},
		Open: cs.open,
	}, nil)
}
