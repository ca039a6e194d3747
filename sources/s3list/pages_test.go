package s3list_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-go/sluice/sources/s3list"
)

// A fakeClient answers ListObjectsV2 with scripted pages, for the edge
// cases of pagination that a real service does not produce on demand.
type fakeClient struct {
	pages []*s3.ListObjectsV2Output
	calls int
	ins   []s3.ListObjectsV2Input
	opts  int // options passed on the last call
}

func (f *fakeClient) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	f.calls++
	f.ins = append(f.ins, *in)
	f.opts = len(opts)
	if len(f.pages) == 0 {
		return nil, errors.New("fake: no more pages scripted")
	}
	p := f.pages[0]
	f.pages = f.pages[1:]
	return p, nil
}

func page(truncated bool, token string, ks ...string) *s3.ListObjectsV2Output {
	out := &s3.ListObjectsV2Output{IsTruncated: aws.Bool(truncated)}
	if token != "" {
		out.NextContinuationToken = aws.String(token)
	}
	for _, k := range ks {
		if strings.HasSuffix(k, "/") {
			out.CommonPrefixes = append(out.CommonPrefixes, types.CommonPrefix{Prefix: aws.String(k)})
		} else {
			out.Contents = append(out.Contents, types.Object{Key: aws.String(k)})
		}
	}
	return out
}

// TestPagination: the listing follows continuation tokens through empty
// pages, and never ends early: a truncated page without a token (where
// the SDK's paginator stops) continues after its last entry, and one
// without an entry either is an error.
func TestPagination(t *testing.T) {
	for _, tc := range []struct {
		name      string
		pages     []*s3.ListObjectsV2Output
		delimiter string
		want      []string
		wantErr   string
		wantIns   []string // StartAfter/ContinuationToken of each request
	}{
		{
			name:    "Tokens",
			pages:   []*s3.ListObjectsV2Output{page(true, "t1", "a", "b"), page(true, "t2", "c"), page(false, "", "d")},
			want:    []string{"a", "b", "c", "d"},
			wantIns: []string{"", "token t1", "token t2"},
		},
		{
			name:    "EmptyPages",
			pages:   []*s3.ListObjectsV2Output{page(true, "t1"), page(true, "t2", "a"), page(true, "t3"), page(false, "")},
			want:    []string{"a"},
			wantIns: []string{"", "token t1", "token t2", "token t3"},
		},
		{
			name:    "TruncatedWithoutToken",
			pages:   []*s3.ListObjectsV2Output{page(true, "", "a", "b"), page(false, "", "c")},
			want:    []string{"a", "b", "c"},
			wantIns: []string{"", "after b"},
		},
		{
			name:      "TruncatedWithoutTokenAfterPrefix",
			delimiter: "/",
			pages:     []*s3.ListObjectsV2Output{page(true, "", "a", "b/"), page(false, "", "b/", "c")},
			want:      []string{"a", "b/", "c"}, // b/ repeated by the server: dropped
			wantIns:   []string{"", "after b/\U0010FFFF"},
		},
		{
			name:    "TruncatedEmptyWithoutToken",
			pages:   []*s3.ListObjectsV2Output{page(true, "t1", "a"), page(true, "")},
			want:    []string{"a"},
			wantErr: "truncated page with no NextContinuationToken",
			wantIns: []string{"", "token t1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeClient{pages: tc.pages}
			in := &s3.ListObjectsV2Input{Bucket: aws.String("b")}
			if tc.delimiter != "" {
				in.Delimiter = aws.String(tc.delimiter)
			}
			opts := &s3list.Options{ClientOptions: []func(*s3.Options){func(*s3.Options) {}}}
			ents, err := collect(s3list.Entries(context.Background(), f, in, opts))
			var got []string
			for _, e := range ents {
				got = append(got, e.Key())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("listed %q, want %q", got, tc.want)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one saying %q", err, tc.wantErr)
			}
			var ins []string
			for _, in := range f.ins {
				switch {
				case in.ContinuationToken != nil:
					ins = append(ins, "token "+*in.ContinuationToken)
				case aws.ToString(in.StartAfter) != "":
					ins = append(ins, "after "+*in.StartAfter)
				default:
					ins = append(ins, "")
				}
			}
			if !slices.Equal(ins, tc.wantIns) {
				t.Errorf("requests %q, want %q", ins, tc.wantIns)
			}
			if f.opts != 1 {
				t.Errorf("the last request had %d options, want the 1 of Options.ClientOptions", f.opts)
			}
		})
	}
}
