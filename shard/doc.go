// Package shard cuts a resumable source into shards, so that many
// processes, on many machines, can each read a disjoint part of it.
//
// A [Shard] names a source, a range of it in the source's own order and a
// cursor within that range, and encodes to one line of text a job queue
// can carry. A [Source] splits into shards that together hold each of its
// values exactly once, and opens a shard as a [Reader]: an ordinary source
// (All, and [Stream] for its channel form) bounded to its range, which
// resumes strictly after the shard's cursor. A running reader can give
// away the part of its shard it has not yet read, as Apache Beam's
// splittable DoFns do with TrySplit: the remainder becomes a new shard and
// the reader stops exactly where it begins, so a slow shard is spread over
// more workers while the run goes on.
//
//	shards, err := src.Split(ctx, 16)   // plan: one job per shard
//	…
//	r, err := src.Open(sh)              // a worker, with the shard of its job
//	for v, err := range r.All(ctx) { … } // save r.Shard() with what it wrote
//	rest, err := r.Split(ctx, 0.5)      // from another goroutine: hand off half
//
// The sources of this module that split are s3list (key ranges), sqlrows'
// keyset scans (key ranges), walkdir (subtrees and ranges of siblings) and
// scanner over a file (byte ranges aligned to line starts). Package
// conformance checks a Source with TestShards. A scheduler for shards lives
// in a package of its own (rivershard, on River), so that this one, like
// the root package, compiles nothing outside the standard library.
package shard
