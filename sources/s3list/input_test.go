package s3list_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/sluice-go/sluice/sources/s3list"
)

// TestBadInput checks that input a listing cannot run with is an error
// naming what is wrong, from the iterator when ranged and from stop of a
// channel closed at once, and that nothing is listed.
func TestBadInput(t *testing.T) {
	fake := &fakeClient{}
	bucket := aws.String("b")
	for _, tc := range []struct {
		name   string
		client s3.ListObjectsV2APIClient
		in     *s3.ListObjectsV2Input
		opts   *s3list.Options
		want   []string // in the error's message
		is     error
	}{
		{"NilClient", nil, &s3.ListObjectsV2Input{Bucket: bucket}, nil, []string{"nil client"}, nil},
		{"NilInput", fake, nil, nil, []string{"nil *s3.ListObjectsV2Input"}, nil},
		{"NoBucket", fake, &s3.ListObjectsV2Input{}, nil, []string{"Bucket is empty"}, nil},
		{"EmptyBucket", fake, &s3.ListObjectsV2Input{Bucket: aws.String("")}, nil, []string{"Bucket is empty"}, nil},
		{"EncodingType", fake, &s3.ListObjectsV2Input{Bucket: bucket, EncodingType: types.EncodingTypeUrl}, nil, []string{"EncodingType"}, nil},
		{"NegativeWorkers", fake, &s3.ListObjectsV2Input{Bucket: bucket}, &s3list.Options{Workers: -1}, []string{"Workers is -1"}, nil},
		{"NegativeReadAhead", fake, &s3.ListObjectsV2Input{Bucket: bucket}, &s3list.Options{ReadAhead: -1}, []string{"ReadAhead is -1"}, nil},
		{"AfterAndStartAfter", fake, &s3.ListObjectsV2Input{Bucket: bucket, StartAfter: aws.String("k")},
			&s3list.Options{After: "v1:m"}, []string{"Options.After", "StartAfter"}, nil},
		{"AfterAndContinuationToken", fake, &s3.ListObjectsV2Input{Bucket: bucket, ContinuationToken: aws.String("tok")},
			&s3list.Options{After: "v1:m"}, []string{"Options.After", "ContinuationToken"}, nil},
		{"CursorOutsidePrefix", fake, &s3.ListObjectsV2Input{Bucket: bucket, Prefix: aws.String("logs/")},
			&s3list.Options{After: "v1:data/1"}, []string{`s3list: bad cursor "v1:data/1": outside the listing's prefix "logs/"`}, s3list.ErrBadCursor},
		{"CursorBeforePrefix", fake, &s3.ListObjectsV2Input{Bucket: bucket, Prefix: aws.String("logs/")},
			&s3list.Options{After: "v1:logs"}, []string{`s3list: bad cursor "v1:logs": outside the listing's prefix "logs/"`}, s3list.ErrBadCursor},
		{"CursorNotUTF8", fake, &s3.ListObjectsV2Input{Bucket: bucket},
			&s3list.Options{After: "v1:a\xff"}, []string{`s3list: bad cursor "v1:a\xff": not UTF-8`}, s3list.ErrBadCursor},
		{"CursorInsideCommonPrefix", fake, &s3.ListObjectsV2Input{Bucket: bucket, Delimiter: aws.String("/")},
			&s3list.Options{After: "v1:a/b"}, []string{`s3list: bad cursor "v1:a/b": a key inside the common prefix "a/"`}, s3list.ErrBadCursor},
		// A key was the cursor before v1: a saved one is refused, never
		// taken as no cursor.
		{"CursorBareKey", fake, &s3.ListObjectsV2Input{Bucket: bucket, Prefix: aws.String("logs/")},
			&s3list.Options{After: "logs/1"}, []string{`s3list: bad cursor "logs/1": not a v1 cursor`}, s3list.ErrBadCursor},
		{"CursorOtherVersion", fake, &s3.ListObjectsV2Input{Bucket: bucket},
			&s3list.Options{After: "v2:a"}, []string{`s3list: bad cursor "v2:a": not a v1 cursor`}, s3list.ErrBadCursor},
		{"CursorNoKey", fake, &s3.ListObjectsV2Input{Bucket: bucket},
			&s3list.Options{After: "v1:"}, []string{`s3list: bad cursor "v1:": no key`}, s3list.ErrBadCursor},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(form string, err error) {
				t.Helper()
				if err == nil {
					t.Errorf("%s: no error", form)
					return
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: error %q does not say %q", form, err, w)
					}
				}
				if !strings.HasPrefix(err.Error(), "s3list: ") {
					t.Errorf("%s: error %q lacks the prefix s3list: ", form, err)
				}
				if tc.is != nil && !errors.Is(err, tc.is) {
					t.Errorf("%s: errors.Is(%q, %v) = false", form, err, tc.is)
				}
			}
			ctx := context.Background()
			objs, err := collect(s3list.All(ctx, tc.client, tc.in, tc.opts))
			check("All", err)
			ents, err2 := collect(s3list.Entries(ctx, tc.client, tc.in, tc.opts))
			check("Entries", err2)
			if len(objs)+len(ents) > 0 {
				t.Errorf("listed %d objects and %d entries before the error", len(objs), len(ents))
			}
			ch, stop := s3list.Stream(ctx, tc.client, tc.in, tc.opts, nil)
			if _, open := <-ch; open {
				t.Error("Stream: the channel is open")
			}
			check("Stream's stop", stop())
			ech, estop := s3list.EntriesStream(ctx, tc.client, tc.in, tc.opts, nil)
			if _, open := <-ech; open {
				t.Error("EntriesStream: the channel is open")
			}
			check("EntriesStream's stop", estop())
			if n := fake.calls; n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// TestMissingBucket: a bucket that does not exist is the SDK's
// NoSuchBucket error, naming the bucket, never an empty listing; in every
// form.
func TestMissingBucket(t *testing.T) {
	cs := newClients(t)
	c, _ := cs.client()
	in := &s3.ListObjectsV2Input{Bucket: aws.String("sluice-no-such-bucket"), Prefix: aws.String("some/")}
	for _, tc := range []struct {
		name string
		opts *s3list.Options
	}{
		{"Sequential", nil},
		{"Workers=4", &s3list.Options{Workers: 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := collect(s3list.All(context.Background(), c, in, tc.opts))
			if len(objs) > 0 {
				t.Errorf("listed %d objects", len(objs))
			}
			var noBucket *types.NoSuchBucket
			var apiErr smithy.APIError
			var listErr *s3list.ListError
			switch {
			case err == nil:
				t.Fatal("listing a missing bucket ended without error")
			case !errors.As(err, &noBucket):
				t.Errorf("error %q: errors.As(err, *types.NoSuchBucket) = false", err)
			case !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NoSuchBucket":
				t.Errorf("error %q: not a smithy.APIError with code NoSuchBucket", err)
			case !errors.As(err, &listErr) || listErr.Bucket != "sluice-no-such-bucket" || listErr.Prefix != "some/":
				t.Errorf("error %q: not a *ListError naming the bucket and prefix", err)
			case !strings.Contains(err.Error(), "s3://sluice-no-such-bucket/some/"):
				t.Errorf("error %q does not name s3://sluice-no-such-bucket/some/", err)
			}
			_, err = collect(s3list.Entries(context.Background(), c, in, tc.opts))
			if !errors.As(err, &noBucket) {
				t.Errorf("Entries: error %v, want a *types.NoSuchBucket", err)
			}
		})
	}
}

// TestCheckedWhenCalled: the input is checked, and copied, when All or
// Entries is called, not when the iterator is ranged: an input mended
// afterwards is still refused, and one spoiled afterwards still lists
// what it said.
func TestCheckedWhenCalled(t *testing.T) {
	ctx := context.Background()
	fake := &fakeClient{}
	in := &s3.ListObjectsV2Input{}
	objs, ents := s3list.All(ctx, fake, in, nil), s3list.Entries(ctx, fake, in, nil)
	in.Bucket = aws.String("b")
	if _, err := collect(objs); err == nil || !strings.Contains(err.Error(), "Bucket is empty") {
		t.Errorf("All, its input mended after the call: %v, want the error of the empty Bucket", err)
	}
	if _, err := collect(ents); err == nil || !strings.Contains(err.Error(), "Bucket is empty") {
		t.Errorf("Entries, its input mended after the call: %v, want the error of the empty Bucket", err)
	}
	if fake.calls != 0 {
		t.Errorf("%d requests sent", fake.calls)
	}

	fake = &fakeClient{pages: []*s3.ListObjectsV2Output{page(false, "", "k")}}
	opts := &s3list.Options{After: "v1:a"}
	seq := s3list.All(ctx, fake, in, opts)
	in.Bucket, opts.After = nil, "nonsense"
	got, err := collect(seq)
	if err != nil || len(got) != 1 {
		t.Fatalf("All, its input spoiled after the call: %d objects, %v; want the one object", len(got), err)
	}
	if b, sa := aws.ToString(fake.ins[0].Bucket), aws.ToString(fake.ins[0].StartAfter); b != "b" || sa != "a" {
		t.Errorf("the request lists bucket %q after %q, want %q after %q", b, sa, "b", "a")
	}
}
