package s3list

import (
	"context"
	"iter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-go/sluice"
)

// All returns an iterator over the objects that ListObjectsV2 lists for
// in, in key order (UTF-8 binary order, as S3 lists them), page after
// page until the last. The iterator lists nothing until it is ranged,
// and each range lists afresh; in is copied, never modified. in.MaxKeys
// is the size of each page, not a limit on the listing. With a
// Delimiter, All yields the objects only, leaving out the common
// prefixes; Entries yields both.
//
// With opts.Workers above 1, the key space is listed in ranges
// concurrently (see the package documentation): the objects, and their
// order, are the same.
//
// A listing that fails ends with a *ListError wrapping the SDK's error,
// after the objects listed before it: a bucket that does not exist is
// an error matching *types.NoSuchBucket, never an empty listing. When
// ctx is done the listing ends with an error matching ctx.Err().
func All(ctx context.Context, client s3.ListObjectsV2APIClient, in *s3.ListObjectsV2Input, opts *Options) iter.Seq2[types.Object, error] {
	return func(yield func(types.Object, error) bool) {
		l, err := newListing(client, in, opts)
		if err != nil {
			yield(types.Object{}, err)
			return
		}
		each := func(o *types.Object) bool { return yield(*o, nil) }
		if l.concurrent() {
			err = l.parallel(ctx, each)
		} else {
			err = l.objects(ctx, each)
		}
		if err != nil {
			yield(types.Object{}, err)
		}
	}
}

// Stream returns the objects of All(ctx, client, in, opts) on a channel.
// The channel is closed when the listing ends, fails or is stopped; stop
// cancels the listing, including a request in flight, waits for its
// goroutines and returns the terminal error (see package sluice). Invalid
// input closes the channel before Stream returns, and stop reports it.
func Stream(ctx context.Context, client s3.ListObjectsV2APIClient, in *s3.ListObjectsV2Input, opts *Options) (<-chan types.Object, func() error) {
	if _, err := newListing(client, in, opts); err != nil {
		return sluice.FailedStream[types.Object](err)
	}
	return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[types.Object, error] {
		return All(ctx, client, in, opts)
	}, opts.streamOptions())
}

// Entries returns an iterator over the entries of the listing of in:
// with a Delimiter, its objects and its common prefixes, merged in key
// order as S3 orders them; without one, its objects. In all else it
// behaves as All. A listing with a Delimiter is listed one page at a
// time whatever opts.Workers says.
func Entries(ctx context.Context, client s3.ListObjectsV2APIClient, in *s3.ListObjectsV2Input, opts *Options) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		l, err := newListing(client, in, opts)
		if err != nil {
			yield(Entry{}, err)
			return
		}
		if l.concurrent() {
			err = l.parallel(ctx, func(o *types.Object) bool { return yield(Entry{Object: o}, nil) })
		} else {
			err = l.entries(ctx, func(e Entry) bool { return yield(e, nil) })
		}
		if err != nil {
			yield(Entry{}, err)
		}
	}
}

// EntriesStream returns the entries of Entries(ctx, client, in, opts) on
// a channel, as Stream does for All.
func EntriesStream(ctx context.Context, client s3.ListObjectsV2APIClient, in *s3.ListObjectsV2Input, opts *Options) (<-chan Entry, func() error) {
	if _, err := newListing(client, in, opts); err != nil {
		return sluice.FailedStream[Entry](err)
	}
	return sluice.StreamFunc(ctx, func(ctx context.Context) iter.Seq2[Entry, error] {
		return Entries(ctx, client, in, opts)
	}, opts.streamOptions())
}

// concurrent reports whether the listing is split into ranges listed
// concurrently. A Delimiter's common prefixes cannot be cut into ranges
// (S3 rolls up a prefix's keys wherever the range starts), and a
// continuation token says nowhere where in the key space it stands.
func (l *listing) concurrent() bool {
	return l.opts.Workers > 1 && l.delim == "" && aws.ToString(l.in.ContinuationToken) == ""
}
