package s3sink

import (
	"errors"
	"fmt"
	"iter"
	"reflect"

	"github.com/sluice-go/sluice/checkpoint"
	"github.com/sluice-go/sluice/internal/cursorfunc"
)

var (
	errNilObjects       = errors.New("s3sink: nil *Objects")
	errNilSeq           = errors.New("s3sink: Write of a nil iterator")
	errNoBucket         = errors.New("s3sink: Objects.Bucket is empty")
	errNilKey           = errors.New("s3sink: Objects.Key is nil")
	errNilBody          = errors.New("s3sink: Objects.Body is nil")
	errNoName           = errors.New("s3sink: Objects.Checkpoint is set but Objects.Name is empty")
	errNilStore         = errors.New("s3sink: Objects.Checkpoint is a nil pointer")
	errLoadNoCheckpoint = errors.New("s3sink: Load of an Objects without a Checkpoint")
)

// newWriter checks o, client and seq, and returns the state of a Write of
// seq through client.
func (o *Objects[V]) newWriter(client Client, seq iter.Seq2[V, error]) (*writer[V], error) {
	if o == nil {
		return nil, errNilObjects
	}
	cfg, err := o.check()
	if err != nil {
		return nil, err
	}
	if isNil(client) {
		return nil, errNilClient
	}
	if seq == nil {
		return nil, errNilSeq
	}
	workers := o.Workers
	if workers == 0 {
		workers = defaultWorkers
	}
	window := int64(readAhead * workers)
	return &writer[V]{
		o:       o,
		client:  client,
		cfg:     cfg,
		cursor:  o.cursorFunc(),
		workers: workers,
		window:  window,
		slots:   make([]slot[V], window),
		sem:     make(chan struct{}, window),
		failed:  make(chan struct{}),
		kick:    make(chan struct{}, 1),
		failAt:  -1,
	}, nil
}

// check reports the first field of o that Write cannot use, or returns
// the resolved o.Upload.
func (o *Objects[V]) check() (config, error) {
	switch {
	case o.Bucket == "":
		return config{}, errNoBucket
	case o.Key == nil:
		return config{}, errNilKey
	case o.Body == nil:
		return config{}, errNilBody
	case o.Workers < 0:
		return config{}, fmt.Errorf("s3sink: Objects.Workers is %d, want 0 or more", o.Workers)
	case o.SaveEvery < 0:
		return config{}, fmt.Errorf("s3sink: Objects.SaveEvery is %v, want 0 or more", o.SaveEvery)
	case o.Checkpoint != nil && isNilStore(o.Checkpoint):
		return config{}, errNilStore
	case o.Checkpoint != nil && o.Name == "":
		return config{}, errNoName
	case o.Checkpoint != nil && o.cursorFunc() == nil:
		return config{}, fmt.Errorf("s3sink: Objects.Checkpoint is set but there is no cursor: Objects.Cursor is nil and %v has no Cursor() string method",
			reflect.TypeFor[V]())
	}
	return o.Upload.resolve("Objects.Upload")
}

// isNilStore reports whether s is a nil pointer, such as a
// *checkpoint.FileStore whose NewFile failed, on which Save would panic.
func isNilStore(s checkpoint.Store) bool {
	v := reflect.ValueOf(s)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// cursorFunc returns the cursor function of o: o.Cursor, or else V's
// Cursor method, or else nil (see package cursorfunc).
func (o *Objects[V]) cursorFunc() func(V) (string, bool) { return cursorfunc.Of(o.Cursor) }

// An ObjectError reports a value of an [Objects.Write] whose object could
// not be written: its Key, Body or Input failed or panicked, or its
// upload failed. Nothing of its object is written (an upload that fails is
// aborted), unless the error says otherwise.
type ObjectError struct {
	// Value is the number of the value, counting from 1 at the start of
	// the Write.
	Value int64

	// Key is the key of its object, or "" when Key did not give one.
	Key string

	// Err is what failed: the error of Body, of the upload (which wraps
	// S3's, so that errors.As(err, &apiErr) finds a smithy.APIError), or
	// one saying what was wrong with the value.
	Err error

	bucket string
}

func (e *ObjectError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("s3sink: value %d: %v", e.Value, e.Err)
	}
	return fmt.Sprintf("s3sink: value %d, s3://%s/%s: %v", e.Value, e.bucket, e.Key, e.Err)
}

// Unwrap returns e.Err.
func (e *ObjectError) Unwrap() error { return e.Err }
