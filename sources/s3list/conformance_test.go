package s3list_test

import (
	"context"
	"iter"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/internal/s3fault"
	"github.com/sluice-go/sluice/sources/s3list"
)

// conformanceKeys are the objects of the conformance bucket: nested
// prefixes, objects between them, and "a.txt" sorting before "a/".
var conformanceKeys = []string{
	"a.txt", "a/1", "a/2", "a/b/1", "a/b/2", "b/1", "b/2", "c",
	"d/e/f/g", "d/e/h", "k01", "k02", "k10", "z",
}

// TestConformance runs the suite on All and Stream, one page at a time
// and with 4 workers, and on Entries and EntriesStream with a delimiter,
// against the test gateway. Fail answers the request that would list the
// entry after n values with 403 AccessDenied, Stall makes it hang until
// its context is done (package s3fault); with pages of one key, that
// request comes right after n values, however the listing is cut into
// ranges.
func TestConformance(t *testing.T) {
	cs := newClients(t)
	plain, _ := cs.client()
	bucket := putBucket(t, plain, conformanceKeys)

	for _, tc := range []struct {
		name string
		opts s3list.Options
	}{
		{"All", s3list.Options{}},
		{"All/Workers=4", s3list.Options{Workers: 4}},
		{"All/Workers=2/ReadAhead=2/Buffer=3", s3list.Options{Workers: 2, ReadAhead: 2, StreamOptions: sluice.StreamOptions{Buffer: 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conformance.Test(t, objectSource(t, cs, bucket, tc.opts), nil)
		})
	}
	t.Run("Entries", func(t *testing.T) {
		conformance.Test(t, entrySource(t, cs, bucket, &s3.ListObjectsV2Input{Delimiter: aws.String("/")}), nil)
	})
	t.Run("Entries/Prefix", func(t *testing.T) {
		conformance.Test(t, entrySource(t, cs, bucket, &s3.ListObjectsV2Input{Delimiter: aws.String("/"), Prefix: aws.String("a/")}), nil)
	})
}

func objectSource(t *testing.T, cs *clients, bucket string, opts s3list.Options) conformance.Source[types.Object] {
	input := func(maxKeys int32) *s3.ListObjectsV2Input {
		return &s3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(maxKeys)}
	}
	with := func(after string) *s3list.Options {
		o := opts
		o.After = after
		return &o
	}
	c, _ := cs.client()
	want, err := collect(s3list.All(context.Background(), c, input(1000), nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(want); !equalStrings(got, conformanceKeys) {
		t.Fatalf("the listing of the fixture = %q, want %q", got, conformanceKeys)
	}
	stall := func(n int) s3fault.Rule {
		return s3fault.Rule{Match: startsAt(bucket, conformanceKeys, n), Hang: true}
	}
	return conformance.Source[types.Object]{
		All: func(ctx context.Context) iter.Seq2[types.Object, error] {
			return s3list.All(ctx, c, input(2), with(""))
		},
		Stream: func(ctx context.Context) (<-chan types.Object, func() error) {
			return s3list.Stream(ctx, c, input(2), with(""))
		},
		Want:  want,
		Equal: sameObject,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[types.Object, error] {
			c, _ := cs.client(s3fault.Rule{Match: startsAt(bucket, conformanceKeys, n), Status: 403})
			return accessDenied(s3list.All(ctx, c, input(1), with("")), err)
		},
		Stall: func(ctx context.Context, n int) iter.Seq2[types.Object, error] {
			c, _ := cs.client(stall(n))
			return s3list.All(ctx, c, input(1), with(""))
		},
		StreamStall: func(ctx context.Context, n int) (<-chan types.Object, func() error) {
			c, _ := cs.client(stall(n))
			return s3list.Stream(ctx, c, input(1), with(""))
		},
		Cursor: func(o types.Object) string { return *o.Key },
		After: func(ctx context.Context, cursor string) iter.Seq2[types.Object, error] {
			return s3list.All(ctx, c, input(2), with(cursor))
		},
		Open: cs.open,
	}
}

// entrySource describes Entries over the listing of in (with its bucket
// set here).
func entrySource(t *testing.T, cs *clients, bucket string, in *s3.ListObjectsV2Input) conformance.Source[s3list.Entry] {
	input := func(maxKeys int32) *s3.ListObjectsV2Input {
		i := *in
		i.Bucket, i.MaxKeys = aws.String(bucket), aws.Int32(maxKeys)
		return &i
	}
	opts := func(after string) *s3list.Options { return &s3list.Options{After: after} }
	c, _ := cs.client()
	want, err := collect(s3list.Entries(context.Background(), c, input(1000), nil))
	if err != nil {
		t.Fatal(err)
	}
	var wantKeys []string
	for _, e := range want {
		wantKeys = append(wantKeys, e.Key())
	}
	t.Logf("entries: %q", wantKeys)
	stall := func(n int) s3fault.Rule {
		return s3fault.Rule{Match: startsAt(bucket, wantKeys, n), Hang: true}
	}
	return conformance.Source[s3list.Entry]{
		All: func(ctx context.Context) iter.Seq2[s3list.Entry, error] {
			return s3list.Entries(ctx, c, input(2), opts(""))
		},
		Stream: func(ctx context.Context) (<-chan s3list.Entry, func() error) {
			return s3list.EntriesStream(ctx, c, input(2), opts(""))
		},
		Want:  want,
		Equal: sameEntry,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[s3list.Entry, error] {
			c, _ := cs.client(s3fault.Rule{Match: startsAt(bucket, wantKeys, n), Status: 403})
			return accessDenied(s3list.Entries(ctx, c, input(1), opts("")), err)
		},
		Stall: func(ctx context.Context, n int) iter.Seq2[s3list.Entry, error] {
			c, _ := cs.client(stall(n))
			return s3list.Entries(ctx, c, input(1), opts(""))
		},
		StreamStall: func(ctx context.Context, n int) (<-chan s3list.Entry, func() error) {
			c, _ := cs.client(stall(n))
			return s3list.EntriesStream(ctx, c, input(1), opts(""))
		},
		Cursor: s3list.Entry.Cursor,
		After: func(ctx context.Context, cursor string) iter.Seq2[s3list.Entry, error] {
			return s3list.Entries(ctx, c, input(2), opts(cursor))
		},
		Open: cs.open,
	}
}

func sameObject(a, b types.Object) bool {
	return aws.ToString(a.Key) == aws.ToString(b.Key) && aws.ToInt64(a.Size) == aws.ToInt64(b.Size) &&
		aws.ToString(a.ETag) == aws.ToString(b.ETag)
}

func sameEntry(a, b s3list.Entry) bool {
	if a.IsPrefix() || b.IsPrefix() {
		return a.IsPrefix() == b.IsPrefix() && a.Prefix == b.Prefix
	}
	return sameObject(*a.Object, *b.Object)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
