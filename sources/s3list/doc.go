// Package s3list streams the objects of an S3 bucket, as ListObjectsV2
// lists them through the AWS SDK for Go v2, as a sluice source: lazy,
// cancelable, resumable from any key, and listed concurrently in key
// ranges when asked, still in key order.
//
// It compiles the AWS SDK's github.com/aws/aws-sdk-go-v2/service/s3 and
// what that pulls in (github.com/aws/aws-sdk-go-v2, the SDK's internal
// modules for S3 and github.com/aws/smithy-go), and nothing else outside
// the standard library.
//
// The forms, each as the pair of package sluice:
//
//	All(ctx, client, in, opts) / Stream(…, sopts)  the objects, as types.Object
//	Entries(ctx, client, in, opts) / EntriesStream(…, sopts)
//	                                               objects and, with a Delimiter,
//	                                               common prefixes, as Entry
//
// NewSharder(client, in, opts) cuts the listing into shards of key
// ranges, for many processes to list (see Shards).
//
// client is the SDK's s3.ListObjectsV2APIClient, so an *s3.Client or any
// wrapper of one works, and in is the SDK's own input, copied and never
// modified: its Prefix, Delimiter, MaxKeys (the size of each page),
// StartAfter, FetchOwner and the rest mean what they mean to the SDK.
//
//	in := &s3.ListObjectsV2Input{Bucket: aws.String("logs"), Prefix: aws.String("2025/")}
//	for o, err := range s3list.All(ctx, client, in, nil) {
//		if err != nil {
//			return err // a request failed, or ctx was canceled: never silent
//		}
//		use(o)
//	}
//
// # Ordering
//
// Objects come in key order, the UTF-8 binary order in which S3 lists
// them, page after page. With a Delimiter, Entries merges each page's
// objects and common prefixes in that order too, as S3 orders them
// together ("a.txt" before "a/"); All leaves the prefixes out.
//
// # Concurrency and read-ahead
//
// S3 lists one page of up to 1000 keys per request, and the SDK's
// paginator asks for the next page only once it has the one before: a
// large bucket lists at one page per round trip. With Options.Workers
// above 1, All and Stream list ranges of the key space at once, each by
// its own sequence of requests, and yield them in key order, so the
// listing equals the sequential one exactly and its cursors resume it.
//
// The first request lists the top level with the delimiter "/": each
// common prefix there becomes a range listed with that prefix as its
// Prefix, which S3 ends exactly at the prefix's end, and the objects
// between them need no other request. When a worker would otherwise
// idle, the range nearest the head that is still being listed is cut
// again at keys estimated from its last page: the density of its keys
// there says where the next pages likely end, and cuts at 1, 4, 16, …
// page widths past its position make ranges sized for a request or a few
// nearby and larger ones farther on. A bucket of flat keys, with no
// common prefix, is split that way from its first page. A cut in an
// empty stretch costs one request; every range but one that ends at a
// prefix's end costs up to one page read past it.
//
// Memory is bounded by Options.ReadAhead (4 × Workers by default): at
// most that many pages of up to MaxKeys objects (1000, about 0.55 MB in
// the SDK's types) are held at once, fetched and not yet yielded or
// being fetched; the range at the head may always fetch, and a range
// nearer the head takes the budget from pages read far ahead, which are
// dropped and listed again later. Options.Unordered yields each page as
// it arrives instead; its cursors do not resume it.
//
// A listing with a Delimiter, or one starting from a ContinuationToken,
// is listed one page at a time.
//
// # Resuming
//
// The cursor of an entry, Entry.Cursor, is "v1:" followed by its key or
// common prefix (of an object o of All: Entry{Object: &o}.Cursor()). A
// listing of the same bucket and input with Options.After set to it
// continues strictly after it, through StartAfter: the objects up to the
// cursor followed by the resumed listing are the full listing, nothing
// lost and nothing repeated, provided the bucket did not change in
// between. After a common prefix, the listing starts past every key
// under it (the prefix followed by U+10FFFF), since S3 lists a prefix
// again for any key under it after StartAfter. A cursor that is not
// "v1:" and a key (a bare key, as cursors were before v1, among them),
// outside the input's Prefix, or inside a common prefix of a listing
// with a Delimiter, is an error wrapping ErrBadCursor, never a listing
// from the start.
//
// # Errors and retries
//
// A request that fails ends the listing with a *ListError naming the
// bucket, prefix and where the request started, wrapping the SDK's
// error: errors.As finds a smithy.APIError with its code, or a
// *types.NoSuchBucket for a bucket that does not exist, which is an
// error, never an empty listing. The objects listed before a failure
// come first, so the cursor of the last one resumes the listing. Bad
// input (a nil client or input, no Bucket, a negative Workers or
// ReadAhead, a bad cursor) is checked once, when the function is called,
// before any request, and is an error naming it: the iterator yields it
// as its only pair; the channel of Stream and EntriesStream is closed at
// once and stop returns it.
//
// Retries are the SDK's: each request is retried by the client's retryer
// (the standard one retries throttling, 5xx responses and connection
// errors, 3 attempts in all), configured through Options.ClientOptions,
// which every request gets as the paginator's NextPage gets its options.
// The package never retries around the SDK and never ends a listing
// early: it completes, or it ends with the error. Where the SDK's
// paginator ends silently (a truncated page without a continuation
// token), the listing continues after the page's last entry.
//
// # Cancellation
//
// When ctx is done the listing ends with an error matching ctx.Err(): a
// request in flight is canceled through its context, and the iterator
// checks ctx before each request and each object. Stream and EntriesStream list with the
// stream's own context, so stop cancels the requests too, and every
// goroutine of a concurrent listing has exited when it returns.
//
// # Shards
//
// A Sharder (NewSharder) cuts the listing of an input into shards for
// package shard, so that many processes each list a disjoint part of a
// bucket: a shard is a range of keys [Start, End) in key order, "" being
// the start and the end of the listing, and its Source is "s3list:"
// followed by the bucket, "/" and the input's Prefix.
//
//	sharder, err := s3list.NewSharder(client, in, nil)
//	shards, err := sharder.Split(ctx, 16)      // plan: one job per shard
//	r, err := sharder.Open(sh)                 // a worker, with its job's shard
//	for e, err := range r.All(ctx) { … }       // save r.Shard() with what it wrote
//	rest, err := r.Split(ctx, 0.5)             // from another goroutine: hand off half
//
// Split cuts where the concurrent listing would: it lists the top level
// with the delimiter "/" (up to 4 pages of 1000 entries; a level that is
// one common prefix alone, as in a bucket of logs/2026/11/27/…, is
// passed for the level below it, up to 16 levels down), weighs each
// common prefix by its first page (and, for up to 64 of them, more
// requests only when a prefix holds more than a page: a few one-key
// requests find about where its keys end, and the density of its first
// page says about how many it holds), and cuts at the prefixes, at known
// keys, or, inside a large prefix or run of flat keys, at keys estimated
// between its first and last. A skewed bucket, one prefix holding most
// keys, is cut inside that prefix. The estimate only balances the
// shards, which cover the listing exactly whatever it says; a shard
// larger than guessed is split while it runs.
//
// A Reader lists its shard one page at a time, as All does, in pages of
// the input's MaxKeys: its first request starts just before Start (S3's
// StartAfter is exclusive: it is Start with its last code point lowered
// and followed by U+10FFFF, and the keys S3 returns before Start are
// dropped), or strictly after the shard's Cursor; it yields only keys
// below End, and, near End, asks for a page no larger than the density
// of the last says is left, since S3 cannot end a page at a key. Its
// Split picks a key strictly after the last yielded: among the keys of
// the page already fetched, when that page holds the part kept; else one
// estimated from the page's density, between the reader's position and
// End; else the least key after the last yielded, giving away all the
// rest. A shard without End (the listing's last) has no end to estimate
// toward, so a Split that keeps a share of it first sends the one-key
// requests Split sends to find about where the listing ends; otherwise
// it sends no request. It narrows End under the reader's lock, so that
// a key already fetched at or past the new End is never yielded. Reader.Shard returns the shard as it stands, with the cursor
// of the last key yielded: opening it resumes there.
//
// A listing that cannot be cut into key ranges is refused by NewSharder:
// a Delimiter, a ContinuationToken, a StartAfter, Options.After (a shard
// carries its own cursor) or Options.Unordered. A shard of another bucket
// or prefix, or whose positions are not keys under the input's Prefix or
// whose Cursor lies outside it, is refused by Open with an error wrapping
// shard.ErrBadShard, before any request.
//
// # Testing
//
// Each form passes the conformance suite (package conformance) against a
// Versity S3 Gateway, with faults injected by an http.RoundTripper
// between the client and the gateway (internal/s3fault): an
// AccessDenied answer to the request after n entries for Fail, a request
// that hangs until canceled for Stall. So does the Reader of a shard,
// and the Sharder passes conformance.TestShards on a bucket of prefixes
// and on a skewed one; a property test splits buckets of random keys
// (flat, nested, skewed, non-ASCII) into random numbers of shards and
// checks they hold the listing exactly.
package s3list
