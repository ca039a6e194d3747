package s3list_test

import (
	"context"
	"fmt"
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

// conformancePage is the MaxKeys of the listings of All, Stream and
// After in the conformance sources: pages of 2 entries, so that Resume,
// which checks every cursor of these small listings, resumes at the end
// of each page as well as inside it.
const conformancePage = 2

// TestConformance runs the suite on All and Stream, one page at a time
// and with 4 workers, and on Entries and EntriesStream with a delimiter,
// against the test gateway. Fail and StreamFail answer the request that
// would list the entry after n values with 403 AccessDenied, Stall makes
// it hang until its context is done (package s3fault); with pages of one
// key, that request comes right after n values, however the listing is
// cut into ranges. After the last value, where S3 sends no request,
// StreamFail's client makes one (failAtEnd). BadCursors are malformed,
// of another version, a bare key and outside the prefix.
func TestConformance(t *testing.T) {
	cs := newClients(t)
	plain, _ := cs.client()
	bucket := putBucket(t, plain, conformanceKeys)

	for _, tc := range []struct {
		name  string
		opts  s3list.Options
		sopts *sluice.StreamOptions
	}{
		{"All", s3list.Options{}, nil},
		{"All/Workers=4", s3list.Options{Workers: 4}, nil},
		{"All/Workers=2/ReadAhead=2/Buffer=3", s3list.Options{Workers: 2, ReadAhead: 2}, &sluice.StreamOptions{Buffer: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conformance.Test(t, objectSource(t, cs, bucket, tc.opts, tc.sopts), nil)
		})
	}
	t.Run("Entries", func(t *testing.T) {
		conformance.Test(t, entrySource(t, cs, bucket, &s3.ListObjectsV2Input{Delimiter: aws.String("/")}), nil)
	})
	t.Run("Entries/Prefix", func(t *testing.T) {
		conformance.Test(t, entrySource(t, cs, bucket, &s3.ListObjectsV2Input{Delimiter: aws.String("/"), Prefix: aws.String("a/")}), nil)
	})
}

// badCursors are cursors that After must refuse in a listing of prefix
// (a listing with the delimiter "/", if delimited): malformed, of another
// version, a bare key (a cursor from before v1), no key, a key that is
// not UTF-8, and, with a prefix, keys outside it; delimited, a key inside
// a common prefix.
func badCursors(prefix string, delimited bool) []string {
	bad := []string{
		"v1",
		"v1:",
		"v2:" + prefix + "b",
		"V1:" + prefix + "b",
		prefix + "b", // the cursor of key "b" before v1
		"v1:" + prefix + "b\xff",
	}
	if prefix != "" {
		bad = append(bad, "v1:zz", "v1:"+prefix[:len(prefix)-1])
	}
	if delimited {
		bad = append(bad, "v1:"+prefix+"b/1")
	}
	return bad
}

func objectSource(t *testing.T, cs *clients, bucket string, opts s3list.Options, sopts *sluice.StreamOptions) conformance.Source[types.Object] {
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
			return s3list.All(ctx, c, input(conformancePage), with(""))
		},
		Stream: func(ctx context.Context) (<-chan types.Object, func() error) {
			return s3list.Stream(ctx, c, input(conformancePage), with(""), sopts)
		},
		Want:  want,
		Equal: sameObject,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[types.Object, error] {
			c, _ := cs.client(s3fault.Rule{Match: startsAt(bucket, conformanceKeys, n), Status: 403})
			return accessDenied(s3list.All(ctx, c, input(1), with("")), err)
		},
		StreamFail: func(ctx context.Context, n int, err error) (<-chan types.Object, func() error) {
			return streamFail(cs, bucket, conformanceKeys, n, err, func(c s3.ListObjectsV2APIClient) (<-chan types.Object, func() error) {
				return s3list.Stream(ctx, c, input(1), with(""), sopts)
			})
		},
		Stall: func(ctx context.Context, n int) iter.Seq2[types.Object, error] {
			c, _ := cs.client(stall(n))
			return s3list.All(ctx, c, input(1), with(""))
		},
		StreamStall: func(ctx context.Context, n int) (<-chan types.Object, func() error) {
			c, _ := cs.client(stall(n))
			return s3list.Stream(ctx, c, input(1), with(""), sopts)
		},
		Cursor: func(o types.Object) string { return s3list.Entry{Object: &o}.Cursor() },
		After: func(ctx context.Context, cursor string) iter.Seq2[types.Object, error] {
			return s3list.All(ctx, c, input(conformancePage), with(cursor))
		},
		PageSize:   conformancePage,
		BadCursors: badCursors("", false),
		Open:       cs.open,
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
			return s3list.Entries(ctx, c, input(conformancePage), opts(""))
		},
		Stream: func(ctx context.Context) (<-chan s3list.Entry, func() error) {
			return s3list.EntriesStream(ctx, c, input(conformancePage), opts(""), nil)
		},
		Want:  want,
		Equal: sameEntry,
		Fail: func(ctx context.Context, n int, err error) iter.Seq2[s3list.Entry, error] {
			c, _ := cs.client(s3fault.Rule{Match: startsAt(bucket, wantKeys, n), Status: 403})
			return accessDenied(s3list.Entries(ctx, c, input(1), opts("")), err)
		},
		StreamFail: func(ctx context.Context, n int, err error) (<-chan s3list.Entry, func() error) {
			return streamFail(cs, bucket, wantKeys, n, err, func(c s3.ListObjectsV2APIClient) (<-chan s3list.Entry, func() error) {
				return s3list.EntriesStream(ctx, c, input(1), opts(""), nil)
			})
		},
		Stall: func(ctx context.Context, n int) iter.Seq2[s3list.Entry, error] {
			c, _ := cs.client(stall(n))
			return s3list.Entries(ctx, c, input(1), opts(""))
		},
		StreamStall: func(ctx context.Context, n int) (<-chan s3list.Entry, func() error) {
			c, _ := cs.client(stall(n))
			return s3list.EntriesStream(ctx, c, input(1), opts(""), nil)
		},
		Cursor: s3list.Entry.Cursor,
		After: func(ctx context.Context, cursor string) iter.Seq2[s3list.Entry, error] {
			return s3list.Entries(ctx, c, input(conformancePage), opts(cursor))
		},
		PageSize:   conformancePage,
		BadCursors: badCursors(aws.ToString(in.Prefix), true),
		Open:       cs.open,
	}
}

// streamFail is the StreamFail of a conformance source: stream, a channel
// form listing bucket (whose entries are entries, in pages of one), on a
// client whose request after n entries fails with an error that also
// wraps err.
func streamFail[V any](cs *clients, bucket string, entries []string, n int, err error, stream func(s3.ListObjectsV2APIClient) (<-chan V, func() error)) (<-chan V, func() error) {
	if n == len(entries) {
		return stream(failAtEnd(cs, entries, err))
	}
	c, _ := cs.client(s3fault.Rule{Match: startsAt(bucket, entries, n), Status: 403})
	ch, stop := stream(c)
	return ch, accessDeniedStop(stop, err)
}

// failAtEnd returns a client of the gateway whose listing of entries
// fails after the last of them, with an error wrapping err: the page
// that holds the last entry says it is truncated, and the request after
// it, or any that starts at or after the last entry, fails. S3 itself
// never sends a request after the page that ends a listing.
func failAtEnd(cs *clients, entries []string, err error) s3.ListObjectsV2APIClient {
	c, _ := cs.client()
	return &endFailer{ListObjectsV2APIClient: c, last: entries[len(entries)-1], err: err}
}

type endFailer struct {
	s3.ListObjectsV2APIClient
	last string
	err  error
}

const endToken = "conformance: after the end"

func (c *endFailer) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	if aws.ToString(in.ContinuationToken) == endToken || (in.ContinuationToken == nil && aws.ToString(in.StartAfter) >= c.last) {
		return nil, fmt.Errorf("listing after the end: %w", c.err)
	}
	out, err := c.ListObjectsV2APIClient.ListObjectsV2(ctx, in, opts...)
	if err != nil || aws.ToBool(out.IsTruncated) {
		return out, err
	}
	for _, o := range out.Contents {
		if aws.ToString(o.Key) == c.last {
			out.IsTruncated, out.NextContinuationToken = aws.Bool(true), aws.String(endToken)
		}
	}
	for _, p := range out.CommonPrefixes {
		if aws.ToString(p.Prefix) == c.last {
			out.IsTruncated, out.NextContinuationToken = aws.Bool(true), aws.String(endToken)
		}
	}
	return out, nil
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
