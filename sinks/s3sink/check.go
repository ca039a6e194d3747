package s3sink

import (
	"errors"
	"fmt"
	"iter"

	"github.com/sluice-go/sluice/internal/sinkrun"
)

var names = sinkrun.Names{Pkg: "s3sink", Type: "Objects", Handle: "Client", Unit: "value"}

// shared returns what o shares with the other sinks, for the checks, Load
// and messages of package sinkrun. A Checkpoint holding a nil pointer is
// an error, which sinkrun reports.
func (o *Objects[V]) shared() *sinkrun.Sink[V] {
	if o == nil {
		return sinkrun.Nil[V](names)
	}
	return sinkrun.New(names, o.Checkpoint, o.Name, o.Cursor)
}

// newWriter checks o, client and seq, and returns the state of a Write of
// seq through client.
func (o *Objects[V]) newWriter(client Client, seq iter.Seq2[V, error]) (*writer[V], error) {
	shared := o.shared()
	var cfg config
	check := func() (err error) {
		cfg, err = o.check()
		return err
	}
	if err := shared.Check(check, client, seq); err != nil {
		return nil, err
	}
	workers := o.Workers
	if workers == 0 {
		workers = defaultWorkers
	}
	return &writer[V]{
		o:       o,
		shared:  shared,
		client:  client,
		cfg:     cfg,
		cursor:  shared.CursorFunc(),
		workers: workers,
		ring:    newRing[V](readAhead * workers),
		failed:  make(chan struct{}),
		kick:    make(chan struct{}, 1),
	}, nil
}

// check reports the first of o's own fields that Write cannot use (the
// checkpoint's are sinkrun's), or returns the resolved o.Upload.
func (o *Objects[V]) check() (config, error) {
	switch {
	case o.Bucket == "":
		return config{}, errors.New("s3sink: Objects.Bucket is empty")
	case o.Key == nil:
		return config{}, errors.New("s3sink: Objects.Key is nil")
	case o.Body == nil:
		return config{}, errors.New("s3sink: Objects.Body is nil")
	case o.Workers < 0:
		return config{}, fmt.Errorf("s3sink: Objects.Workers is %d, want 0 or more", o.Workers)
	case o.SaveEvery < 0:
		return config{}, fmt.Errorf("s3sink: Objects.SaveEvery is %v, want 0 or more", o.SaveEvery)
	}
	return o.Upload.resolve("Objects.Upload")
}

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
