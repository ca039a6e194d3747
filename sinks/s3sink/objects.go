package s3sink

import (
	"context"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice/checkpoint"
)

const (
	defaultWorkers = 4

	// readAhead × Workers is the most values a Write holds between its
	// checkpoint and the last value it has read: the values being
	// uploaded and those done after a value still being uploaded.
	readAhead = 4

	// saveTimeout bounds the last save of the checkpoint when ctx is
	// done, which runs with a context that is not, so that the values
	// done before a cancellation are not uploaded again.
	saveTimeout = 30 * time.Second
)

// Objects writes each value of a stream as an object of its own in a
// bucket, several at once, and keeps a checkpoint of the values done: the
// longest run of values, from the start of the stream, whose objects are
// all written. See the package documentation for what it guarantees.
//
// Write does not modify the Objects; several Writes of one Objects may run
// at once, but not with one Checkpoint and Name (each would move the
// checkpoint over the other's).
type Objects[V any] struct {
	// Bucket is the bucket the objects are written into. Required.
	Bucket string

	// Key returns the key of v's object. Required; a key must not be
	// empty. A value whose key is the key of a value before it in the
	// stream replaces that object, in no particular order when both are
	// being written at once.
	//
	// The key should be a function of v alone (an ID, a path), so that a
	// value written again after a restart replaces its own object: see
	// the package documentation.
	Key func(V) string

	// Body returns the content of v's object. Required. The object is the
	// bytes of the reader until io.EOF; a reader that is also an
	// io.Closer is closed after the upload, and an error of Close fails
	// the value. It is read as in [UploadReader]: in a single request when
	// smaller than Upload.PartSize, in a multipart upload otherwise.
	Body func(V) (io.Reader, error)

	// Input, if set, fills in other attributes of v's object
	// (ContentType, Metadata, …) in an input whose Bucket and Key are
	// set; Write sets them again afterwards, so Input cannot change them.
	// It must not set Body, nor the fields that [Upload] rejects.
	Input func(V, *s3.PutObjectInput)

	// Cursor returns the cursor of v: where its source stands after it,
	// the string its After option resumes after. Nil means v's own
	// Cursor() string method, if V has one. It is called for the last
	// value of the values done when the checkpoint is saved, and at the
	// end of a Write for its Result.
	Cursor func(V) string

	// Workers is the most objects written at once. Zero means 4. Write
	// reads at most 4 × Workers values beyond the checkpoint: when a value
	// takes long to write, the workers go on with the values after it,
	// which cannot be counted done before it is, up to that many.
	Workers int

	// Upload is the options of each object's upload (see [UploadOptions]);
	// nil means the defaults. A multipart object holds about
	// Upload.Concurrency + 2 parts of memory while it is written, so a
	// Write of large objects holds up to Workers times that.
	Upload *UploadOptions

	// Checkpoint, if set, records under Name the cursor of the last value
	// of the values done, as they advance (see SaveEvery) and when Write
	// returns.
	Checkpoint checkpoint.Store

	// Name is the name the cursor is saved under. Required with
	// Checkpoint.
	Name string

	// SaveEvery is the least time between two saves of the checkpoint
	// while Write runs. Zero means that the checkpoint is saved whenever
	// the values done advance and no save is in progress (the saves of a
	// fast stream follow each other, each with the newest cursor). Write
	// saves it when it returns in any case.
	SaveEvery time.Duration
}

// Result says how far an [Objects.Write] got.
type Result struct {
	// Values is the number of values done: the values, from the start of
	// the stream, whose objects are written, as is the object of every
	// value before them.
	Values int64

	// Objects is the number of objects written: Values, and the objects of
	// values after a value that failed or was not written (which a restart
	// from the checkpoint writes again).
	Objects int64

	// Cursor is the cursor of the last of Values: the one Checkpoint
	// holds, unless the error says it could not be saved. It is "" when
	// Values is 0 or there is no cursor function.
	Cursor string
}

// Load returns the cursor saved under o.Name, or "" when none has been:
// the point a restarted pipeline resumes after, passed as its source's
// After option. It needs o.Checkpoint.
func (o *Objects[V]) Load(ctx context.Context) (string, error) {
	return o.shared().Load(ctx)
}

// Write writes the object of each value of seq into o.Bucket through
// client, o.Workers at once, and returns how far it got. With
// o.Checkpoint it saves the cursor of the last value done as the values
// done advance, and when it returns.
//
// It returns a nil error when seq has ended and every object is written.
// It stops reading seq at the first error of seq, of a value (its Key,
// Body or Input, its upload), of the checkpoint, or when ctx is done.
// Then it waits for the objects being written: those of the values
// before a value that failed are finished, so that the values done reach
// it, and those of the values after it are aborted; when ctx is done,
// all are aborted. It saves the checkpoint of the values done, and
// returns the Result with an error saying why it stopped and how far it
// got. A value that failed is reported as an [*ObjectError]. When ctx is
// done the error matches ctx.Err() with errors.Is, and the last save of
// the checkpoint runs with a context that is not canceled, for at most
// 30 seconds.
//
// Write checks o and its arguments before reading seq, and reports what
// it cannot use as an error. With o.Checkpoint it loads the checkpoint
// first, so that a store that does not work is an error before any
// object is written.
//
// Write ranges seq in the calling goroutine, and calls o.Key, o.Input,
// o.Body and the readers' Read in goroutines of its own, after the values
// that follow the value have been read: so a value must stay valid after
// the source has yielded the next, and must not use memory that the
// source reuses. A panic of seq, or of a worker's call, aborts the
// uploads in progress, and Write panics with the same value in the
// calling goroutine, having saved the checkpoint in the second case.
func (o *Objects[V]) Write(ctx context.Context, client Client, seq iter.Seq2[V, error]) (Result, error) {
	w, err := o.newWriter(client, seq)
	if err != nil {
		return Result{}, err
	}
	if err := w.shared.Open(ctx); err != nil {
		return Result{}, fmt.Errorf("s3sink: write to s3://%s: %w (nothing written)", o.Bucket, err)
	}
	return w.run(ctx, seq)
}
