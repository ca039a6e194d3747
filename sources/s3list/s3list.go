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
// and each range lists afresh; in is copied when All is called, never
// modified. in.MaxKeys is the size of each page, not a limit on the
// listing. With a Delimiter, All yields the objects only, leaving out
// the common prefixes; Entries yields both. The cursor of an object o,
// for Options.After, is Entry{Object: &o}.Cursor().
//
// With opts.Workers above 1, the key space is listed in ranges
// concurrently (see the package documentation): the objects, and their
// order, are the same.
//
// Invalid input (a nil client or input, no Bucket, a negative option, a
// bad cursor) is checked when All is called: the iterator yields the
// error and nothing else, and sends no request. A listing that fails
// ends with a *ListError wrapping the SDK's error, after the objects
// listed before it: a bucket that does not exist is an error matching
// *types.NoSuchBucket, never an empty listing. When ctx is done the
// listing ends with an error matching ctx.Err().
func All(ctx context.Context, client s3.ListObjectsV2APIClient, in *s3.ListObjectsV2Input, opts *Options) iter.Seq2[types.Object, error] {
	l, err := newListing(client, in, opts)
	if err != nil {
		return sluice.Fail[types.Object](err)
	}
	return l.all(ctx)
}

// Stream returns the objects of All(ctx, client, in, opts) on a channel,
// delivered as sopts says. The channel is closed when the listing ends,
// fails or is stopped; stop cancels the listing, including a request in
// flight, waits for its goroutines and returns the terminal error (see
// package sluice). Invalid input closes the channel before Stream
// returns, and stop reports it.
func Stream(ctx context.Context, client s3.ListObjectsV2APIClient, in *s3.ListObjectsV2Input, opts *Options, sopts *sluice.StreamOptions) (<-chan types.Object, func() error) {
	l, err := newListing(client, in, opts)
	if err != nil {
		return sluice.FailedStream[types.Object](err)
	}
	return sluice.StreamFunc(ctx, l.all, sopts)
}

// all returns the iterator of All over l.
func (l *listing) all(ctx context.Context) iter.Seq2[types.Object, error] {
	return func(yield func(types.Object, error) bool) {
		each := func(o *types.Object) bool { return yield(*o, nil) }
		var err error
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

// Entries returns an iterator over the entries of the listing of in:
// with a Delimiter, its objects and its common prefixes, merged in key
// order as S3 orders them; without one, its objects. In all else it
// behaves as All. A listing with a Delimiter is listed one page at a
// time whatever opts.Workers says.
func Entries(ctx context.Context, client s3.ListObjectsV2APIClient, in *s3.ListObjectsV2Input, opts *Options) iter.Seq2[Entry, error] {
	l, err := newListing(client, in, opts)
	if err != nil {
		return sluice.Fail[Entry](err)
	}
	return l.allEntries(ctx)
}

// EntriesStream returns the entries of Entries(ctx, client, in, opts) on
// a channel, as Stream does for All.
func EntriesStream(ctx context.Context, client s3.ListObjectsV2APIClient, in *s3.ListObjectsV2Input, opts *Options, sopts *sluice.StreamOptions) (<-chan Entry, func() error) {
	l, err := newListing(client, in, opts)
	if err != nil {
		return sluice.FailedStream[Entry](err)
	}
	return sluice.StreamFunc(ctx, l.allEntries, sopts)
}

// allEntries returns the iterator of Entries over l.
func (l *listing) allEntries(ctx context.Context) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		var err error
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

// concurrent reports whether the listing is split into ranges listed
// concurrently. A Delimiter's common prefixes cannot be cut into ranges
// (S3 rolls up a prefix's keys wherever the range starts), and a
// continuation token says nowhere where in the key space it stands.
func (l *listing) concurrent() bool {
	return l.opts.Workers > 1 && l.delim == "" && aws.ToString(l.in.ContinuationToken) == ""
}
