// Package s3sink writes streams into S3: a stream of byte chunks as one
// object, in a multipart upload that is aborted, never left behind, when
// the stream fails or is canceled; or each value of a stream as an object
// of its own, several at once, with a checkpoint that a restarted
// pipeline resumes after.
//
// It compiles the AWS SDK for Go v2 (github.com/aws/aws-sdk-go-v2, its
// service/s3 and feature/s3/transfermanager modules, and
// github.com/aws/smithy-go) and nothing else outside the standard
// library: its checkpoint is any checkpoint.Store, and a program that
// keeps it in a file compiles no database driver.
//
//	// One object from a stream of chunks (iter.Seq2[[]byte, error]).
//	res, err := s3sink.Upload(ctx, client, &s3.PutObjectInput{
//		Bucket: aws.String("backups"),
//		Key:    aws.String("db.dump"),
//	}, chunks, &s3sink.UploadOptions{PartSize: 16 << 20})
//
//	// An object per value.
//	sink := &s3sink.Objects[Order]{
//		Bucket:     "orders",
//		Key:        func(o Order) string { return "orders/" + o.ID + ".json" },
//		Body:       func(o Order) (io.Reader, error) { … },
//		Checkpoint: store, // a checkpoint.Store
//		Name:       "orders-to-s3",
//	}
//	after, err := sink.Load(ctx) // "" the first time
//	…
//	res, err := sink.Write(ctx, client, source.All(ctx, …, &source.Options{After: after}))
//
// The client is a [Client]: *s3.Client, or any wrapper of one. A channel,
// the other form of a stream, is written through [sluice.FromStream]:
//
//	ch, stop := source.Stream(ctx, …, nil)
//	res, err := sink.Write(ctx, client, sluice.FromStream(ch, stop))
//
// # Multipart upload
//
// [Upload] (of chunks) and [UploadReader] (of an io.Reader) upload with
// the SDK's transfer manager (feature/s3/transfermanager). It reads the
// first UploadOptions.PartSize bytes (8 MiB by default): an object
// smaller than that is put in a single PutObject. Otherwise it begins a
// multipart upload, sends the parts, up to UploadOptions.Concurrency (5
// by default) at once, while it reads the next from the source, and
// completes the upload when the source ends. An upload holds about
// Concurrency+2 parts in memory, and no more however large the object:
// reading waits for a part's buffer to be free. S3 allows 10000 parts, so
// an object of unknown size is at most 10000 × PartSize bytes.
//
// Each request is checksummed (CRC32, unless the input's ChecksumAlgorithm
// names another) and retried by the client's retryer, which the client's
// options configure; a part is retried from its buffer.
//
// Upload does not keep a chunk after the chunk's yield returns: it copies
// the chunk's bytes into the part being filled before it asks for the
// next chunk. So a source may reuse one buffer for all its chunks, and
// chunks of any size are fine (the smallest cost a coroutine switch each,
// some 200 ns).
//
// When the source fails, ctx is done, a request fails after its retries,
// or the source panics, the upload stops and the multipart upload is
// aborted, so that its parts are not left behind, billed until someone
// aborts them. No part is sent after that, and the parts already sent are
// waited for: a cancellation does not cut a part request short, because
// S3 may go on with a part whose client has gone, end it after the abort
// and bring the upload back, which no listing of the bucket may show. The
// abort runs with a context that is not canceled. Then Upload asks S3
// (ListParts) whether the upload is gone, and aborts it again while it is
// not, as S3's documentation of AbortMultipartUpload advises. Each of
// these steps is bounded by UploadOptions.AbortTimeout (30 seconds by
// default): a part still unanswered that long after ctx is done is given
// up on, and then Upload, knowing that S3 may still end it, looks again
// for the rest of its AbortTimeout. When no abort succeeds, or the upload
// is still there at the end, or ListParts fails, the error says so and
// names the upload, for the caller to abort.
//
// The package's 16 abort tests ran 50 times each in one go, with two busy
// loops loading both cores of the machine, and left no upload behind,
// listed or not; TestUploadCancelled ran 100 times so and left none
// (issue 17). With the services of ./test.sh in SLUICE_TEST_*:
//
//	python3 -c 'while True: pass' & python3 -c 'while True: pass' &
//	CI=true go test -count=50 -run 'Abort|Cancel|SourceError|ContentLength' ./sinks/s3sink/
//	CI=true go test -count=100 -run 'TestUploadCancelled$' ./sinks/s3sink/
//	kill %1 %2
//
// A cancellation does not cut a CreateMultipartUpload short either: its
// answer, with the ID of the upload to abort, is awaited (for at most
// AbortTimeout after ctx is done). Two multipart uploads cannot be
// aborted by Upload: one whose CreateMultipartUpload reached S3 but whose
// answer did not come back (the connection lost, or AbortTimeout passed,
// at that instant), whose ID Upload never learns; and one of a process
// that is killed. A lifecycle rule on the bucket with
// AbortIncompleteMultipartUpload is the backstop for those.
//
// # Per-item objects
//
// [Objects.Write] writes the object of each value of a stream (its key from
// Objects.Key, its content from Objects.Body, read as [UploadReader] reads,
// so a large body is a multipart upload), up to Objects.Workers (4 by
// default) at once. The values done are the longest run of values, from
// the start of the stream, whose objects are all written: a value whose
// object is written while a value before it is still being written is
// not done until that one is. With Objects.Checkpoint, Write saves the
// cursor of the last value done under Objects.Name as they advance, and
// when it returns; a restarted pipeline passes [Objects.Load]'s cursor as
// its source's After option.
//
// While a value takes long to write, the workers go on with the values
// after it, up to 4 × Workers values beyond the last value done; then
// Write waits for it before it reads on.
//
// # Guarantees
//
// An upload is all or nothing: S3 makes the object visible only when the
// multipart upload completes (or the single PutObject succeeds), and an
// object at the key before stays until then. When Upload returns an
// error, it has written no object, with one exception that no client can
// rule out: a request that completed the object, whose answer was lost.
//
// Objects is at-least-once:
//
//   - Nothing is lost: a checkpoint is saved only after the objects of the
//     value it names and of every value before it are written. After a
//     crash at any instant, the checkpoint is at or behind the values
//     done, so the values after it are written again on restart.
//   - So a restart writes some objects a second time: those of the values
//     done since the last save (one was in progress, or SaveEvery had not
//     passed), those written beyond a value still being written (up to
//     4 × Workers − 1), and those written beyond a value that failed (a
//     failure aborts the uploads after it, but some may have completed;
//     Result.Objects − Result.Values counts them).
//   - Writing an object again replaces it. When Key and Body are
//     functions of the value alone, the second write puts the same bytes
//     under the same key, and the rerun is harmless: the bucket holds each
//     value's object once. A key that changes between runs (a timestamp,
//     a random ID) makes a rerun leave duplicates.
//   - The objects are written concurrently, in no particular order: a
//     reader of the bucket may see a value's object before the object of a
//     value before it. Of two values with one key, the one written last
//     wins, which is not always the later one.
//   - One pipeline per checkpoint: two Writes with one Checkpoint and Name
//     each move the checkpoint over the other's.
//
// # Errors
//
// Errors begin with "s3sink: ". What Upload or Write cannot use (a nil
// client, an empty bucket or key, a missing function, a Checkpoint
// without a Name, an input field an upload cannot honour) is reported
// before anything is read or sent. After that, an error says how far the
// call got.
//
// Upload's error says how many bytes it read, why it stopped, and what
// became of the multipart upload ("nothing written: multipart upload …
// aborted", or "left behind" with the abort's error). It wraps its cause:
// the source's error, ctx's (so that errors.Is(err, context.Canceled)
// holds, and errors.Is(err, cause) for a context canceled with a cause),
// or the failed request's, so that errors.As(err, &apiErr) finds S3's
// smithy.APIError.
//
// Write's error is an [*ObjectError] when a value failed: its number in
// the stream and its key, wrapping what failed (Body's error, the
// upload's); otherwise it says what stopped the Write (the source, ctx,
// the checkpoint). Either way it ends with how far Write got: the values
// done, where the checkpoint is, and how many objects of later values
// were written too, as the [Result] returned with it says.
//
// A panic of the source, of a reader, or of Key, Body or Input (which
// Write calls in goroutines of its own) aborts the uploads in progress,
// and is raised again, with the same value, in the goroutine that called
// Upload or Write.
package s3sink
