package s3sink_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/checkpoint"
	"github.com/sluice-go/sluice/sinks/s3sink"
)

// A rec is a value of the test streams; its cursor is its ID.
type rec struct{ ID int }

func (r rec) Cursor() string { return strconv.Itoa(r.ID) }

func (r rec) key() string  { return fmt.Sprintf("recs/%05d", r.ID) }
func (r rec) body() string { return fmt.Sprintf("record %d\n", r.ID) }

// recs returns the stream of the recs from to to.
func recs(from, to int) iter.Seq2[rec, error] {
	return func(yield func(rec, error) bool) {
		for id := from; id <= to; id++ {
			if !yield(rec{id}, nil) {
				return
			}
		}
	}
}

// resume returns the recs up to to after cursor: the source a restarted
// pipeline resumes.
func resume(t *testing.T, cursor string, to int) iter.Seq2[rec, error] {
	t.Helper()
	if cursor == "" {
		return recs(1, to)
	}
	id, err := strconv.Atoi(cursor)
	if err != nil {
		t.Fatalf("cursor %q: %v", cursor, err)
	}
	return recs(id+1, to)
}

// uploads counts the bodies made per rec, across Writes.
type uploads struct {
	mu sync.Mutex
	n  map[int]int
}

func (u *uploads) add(id int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.n == nil {
		u.n = map[int]int{}
	}
	u.n[id]++
}

func (u *uploads) of(id int) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.n[id]
}

// newObjects returns an Objects of recs into b, each rec's body counted
// in u, with a FileStore checkpoint in a temporary directory.
func newObjects(t *testing.T, b *s3Bucket, u *uploads) *s3sink.Objects[rec] {
	t.Helper()
	store, err := checkpoint.NewFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &s3sink.Objects[rec]{
		Bucket: b.name,
		Key:    rec.key,
		Body: func(r rec) (io.Reader, error) {
			u.add(r.ID)
			return strings.NewReader(r.body()), nil
		},
		Workers:    4,
		Checkpoint: store,
		Name:       "recs",
	}
}

// checkObjects fails t unless the bucket holds exactly the objects of the
// recs from 1 to n, with their bodies.
func checkObjects(t *testing.T, b *s3Bucket, n int) {
	t.Helper()
	keys := b.keys(t)
	if len(keys) != n {
		t.Errorf("%d objects, want %d", len(keys), n)
	}
	for _, k := range keys {
		id, err := strconv.Atoi(strings.TrimPrefix(k, "recs/"))
		if err != nil || id < 1 || id > n {
			t.Errorf("object %s, want recs 1 to %d only", k, n)
			continue
		}
		if got, want := b.body(t, k), (rec{id}).body(); got != want {
			t.Errorf("object %s = %q, want %q", k, got, want)
		}
	}
}

// checkDone fails t unless the checkpoint of o is at the rec res.Values
// (as res.Cursor), and the objects of the recs up to it exist.
func checkDone(t *testing.T, o *s3sink.Objects[rec], b *s3Bucket, res s3sink.Result) {
	t.Helper()
	cursor, err := o.Load(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	want := ""
	if res.Values > 0 {
		want = strconv.FormatInt(res.Values, 10)
	}
	if cursor != want || res.Cursor != want {
		t.Errorf("checkpoint %q, Result.Cursor %q; want %q for %d values done", cursor, res.Cursor, want, res.Values)
	}
	for id := 1; id <= int(res.Values); id++ {
		if !b.exists(t, rec{id}.key()) {
			t.Errorf("rec %d is done but its object does not exist", id)
		}
	}
}

func TestObjectsWrite(t *testing.T) {
	b := newBucket(t)
	var u uploads
	o := newObjects(t, b, &u)
	const n = 200
	res, err := o.Write(t.Context(), b.c, recs(1, n))
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if want := (s3sink.Result{Values: n, Objects: n, Cursor: strconv.Itoa(n)}); res != want {
		t.Errorf("Write = %+v, want %+v", res, want)
	}
	checkDone(t, o, b, res)
	checkObjects(t, b, n)
	for id := 1; id <= n; id++ {
		if c := u.of(id); c != 1 {
			t.Errorf("rec %d uploaded %d times, want once", id, c)
		}
	}

	// Again from the checkpoint: nothing to do.
	cursor, err := o.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	res, err = o.Write(t.Context(), b.c, resume(t, cursor, n))
	if err != nil || res != (s3sink.Result{}) {
		t.Errorf("Write after the end = %+v, %v; want nothing done, no error", res, err)
	}
}

// A value that fails stops the Write once the values before it are done;
// the checkpoint is at the value before it, and a restart from the
// checkpoint writes the rest, some objects again.
func TestObjectsFailure(t *testing.T) {
	b := newBucket(t)
	var u uploads
	o := newObjects(t, b, &u)
	const n, k = 100, 37
	boom := errors.New("boom")
	reachedK := make(chan struct{})
	wroteNext := make(chan struct{})
	body := o.Body
	o.Body = func(r rec) (io.Reader, error) {
		switch r.ID {
		case k - 2:
			// Still being written when k fails: the Write waits for it,
			// and the values done reach k-1.
			<-reachedK
		case k:
			// Fails once the object after it is written, which a
			// restart writes again.
			close(reachedK)
			<-wroteNext
			u.add(r.ID)
			return nil, boom
		case k + 1:
			r, _ := body(r)
			return closer{r, func() { close(wroteNext) }}, nil
		}
		return body(r)
	}
	res, err := o.Write(t.Context(), b.c, recs(1, n))
	var oe *s3sink.ObjectError
	if !errors.As(err, &oe) || oe.Value != k || oe.Key != (rec{k}).key() || !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want an ObjectError of value %d, boom", err, k)
	}
	want := fmt.Sprintf("s3sink: value %d, s3://%s/%s: body: boom (values 1 to %d done; checkpoint at value %d", k, b.name, rec{k}.key(), k-1, k-1)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Write = %v\nwant %s…", err, want)
	}
	t.Log(err)
	if res.Values != k-1 || res.Objects < k-1 || res.Objects > k-1+4*4 {
		t.Errorf("Write = %+v, want %d values done and at most %d objects", res, k-1, k-1+4*4)
	}
	checkDone(t, o, b, res)

	// The restart, with the value fixed.
	o.Body = body
	cursor, err := o.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	res2, err := o.Write(t.Context(), b.c, resume(t, cursor, n))
	if err != nil {
		t.Fatalf("Write after the restart: %v", err)
	}
	if res2.Values != n-(k-1) || res2.Cursor != strconv.Itoa(n) {
		t.Errorf("Write after the restart = %+v, want %d values done up to %d", res2, n-(k-1), n)
	}
	checkDone(t, o, b, s3sink.Result{Values: n, Cursor: strconv.Itoa(n)})
	checkObjects(t, b, n)

	// At least once: the values before k once, k twice (a failure and a
	// success), the others once or twice: twice at least those that the
	// first Write wrote beyond its checkpoint (and maybe some whose
	// upload it began, then aborted when k failed).
	if res.Objects <= res.Values {
		t.Errorf("Write = %+v, want the object of rec %d among the objects", res, k+1)
	}
	again := 0
	for id := 1; id <= n; id++ {
		c := u.of(id)
		switch {
		case id < k && c != 1, id == k && c != 2, id > k && (c < 1 || c > 2):
			t.Errorf("rec %d uploaded %d times", id, c)
		case id > k && c == 2:
			again++
		}
	}
	if int64(again) < res.Objects-res.Values {
		t.Errorf("%d objects written again, want at least %d, the objects written beyond the checkpoint", again, res.Objects-res.Values)
	}
	t.Logf("%d objects written again after the restart", again)
}

// A request that S3 refuses fails its value: the error is S3's, and the
// checkpoint is at the value before it.
func TestObjectsFault(t *testing.T) {
	c, _ := faultyClient(t, &fault{op: "PutObject", nth: 50, code: "AccessDenied"})
	b := newBucket(t)
	var u uploads
	o := newObjects(t, b, &u)
	const n = 120
	res, err := o.Write(t.Context(), c, recs(1, n))
	var oe *s3sink.ObjectError
	var ae smithy.APIError
	if !errors.As(err, &oe) || !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Fatalf("Write = %v, want an ObjectError with S3's AccessDenied", err)
	}
	t.Log(err)
	if res.Values != oe.Value-1 {
		t.Errorf("Write = %+v, want the values before value %d done", res, oe.Value)
	}
	checkDone(t, o, b, res)

	res2, err := o.Write(t.Context(), b.c, resume(t, res.Cursor, n))
	if err != nil || res2.Values != n-res.Values {
		t.Fatalf("Write after the restart = %+v, %v", res2, err)
	}
	checkObjects(t, b, n)
}

// Cancelling ctx stops the Write; the checkpoint of the values done is
// saved all the same.
func TestObjectsCancelled(t *testing.T) {
	b := newBucket(t)
	var u uploads
	o := newObjects(t, b, &u)
	ctx, cancel := context.WithCancel(t.Context())
	body := o.Body
	o.Body = func(r rec) (io.Reader, error) {
		if r.ID == 60 {
			cancel()
		}
		return body(r)
	}
	const n = 150
	res, err := o.Write(ctx, b.c, recs(1, n))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write = %v, want context.Canceled", err)
	}
	want := "s3sink: write to s3://" + b.name + ": stopped after value "
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Write = %v\nwant %s…", err, want)
	}
	t.Log(err)
	if res.Values >= 60 {
		t.Errorf("Write = %+v, want fewer than 60 values done", res)
	}
	checkDone(t, o, b, res)

	res2, err := o.Write(t.Context(), b.c, resume(t, res.Cursor, n))
	if err != nil || res2.Values != n-res.Values {
		t.Fatalf("Write after the restart = %+v, %v", res2, err)
	}
	checkObjects(t, b, n)
}

// A source that fails stops the Write once every value it gave is done.
func TestObjectsSourceError(t *testing.T) {
	b := newBucket(t)
	var u uploads
	o := newObjects(t, b, &u)
	boom := errors.New("boom")
	seq := func(yield func(rec, error) bool) {
		for r := range recs(1, 30) {
			if !yield(r, nil) {
				return
			}
		}
		yield(rec{}, boom)
	}
	res, err := o.Write(t.Context(), b.c, seq)
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want boom", err)
	}
	want := "s3sink: write to s3://" + b.name + ": source failed after value 30: boom (values 1 to 30 done; checkpoint at value 30)"
	if err.Error() != want {
		t.Errorf("Write = %v\nwant %s", err, want)
	}
	if res != (s3sink.Result{Values: 30, Objects: 30, Cursor: "30"}) {
		t.Errorf("Write = %+v, want 30 values done", res)
	}
	checkDone(t, o, b, res)
}

// The channel form of a stream is written through sluice.FromStream.
func TestObjectsStream(t *testing.T) {
	b := newBucket(t)
	var u uploads
	o := newObjects(t, b, &u)
	ch, stop := sluice.Stream(t.Context(), recs(1, 100), nil)
	res, err := o.Write(t.Context(), b.c, sluice.FromStream(ch, stop))
	if err != nil || res.Values != 100 {
		t.Fatalf("Write = %+v, %v; want 100 values done", res, err)
	}
	checkDone(t, o, b, res)
	checkObjects(t, b, 100)
}

// Objects too large for a single request are multipart uploads, aborted
// when their body fails.
func TestObjectsMultipart(t *testing.T) {
	b := newBucket(t)
	boom := errors.New("boom")
	o := &s3sink.Objects[int]{
		Bucket: b.name,
		Key:    func(i int) string { return "large/" + strconv.Itoa(i) },
		Body: func(i int) (io.Reader, error) {
			if i == 3 {
				return io.MultiReader(reader(uint64(i), 6*mib), iotestErr(boom)), nil
			}
			return reader(uint64(i), 6*mib), nil
		},
		Input: func(i int, in *s3.PutObjectInput) {
			in.ContentType = aws.String("application/octet-stream")
			in.Key = aws.String("ignored")
		},
		Workers: 2,
		Upload:  &s3sink.UploadOptions{PartSize: 5 * mib},
	}
	seq := func(yield func(int, error) bool) {
		for i := 1; i <= 4; i++ {
			if !yield(i, nil) {
				return
			}
		}
	}
	res, err := o.Write(t.Context(), b.c, seq)
	var oe *s3sink.ObjectError
	if !errors.As(err, &oe) || oe.Value != 3 || !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want value 3 failed with boom", err)
	}
	t.Log(err)
	if res.Values != 2 || res.Cursor != "" {
		t.Errorf("Write = %+v, want 2 values done, no cursor", res)
	}
	for i := 1; i <= 2; i++ {
		key := "large/" + strconv.Itoa(i)
		if n, sum := b.object(t, key); n != 6*mib || sum != digest(uint64(i), 6*mib) {
			t.Errorf("object %s: %d bytes, sha256 %x, want those of reader(%d, 6 MiB)", key, n, sum, i)
		}
	}
	b.noneLeft(t, "large/3")
	if b.exists(t, "ignored") {
		t.Error("Input changed the key")
	}
}

// closer is a body that calls close when it is closed, after its upload.
type closer struct {
	io.Reader
	close func()
}

func (c closer) Close() error {
	c.close()
	return nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func iotestErr(err error) io.Reader { return errReader{err} }

// A panic of Body aborts the Write, which saves the checkpoint and panics
// with the same value.
func TestObjectsPanic(t *testing.T) {
	b := newBucket(t)
	var u uploads
	o := newObjects(t, b, &u)
	body := o.Body
	o.Body = func(r rec) (io.Reader, error) {
		if r.ID == 20 {
			panic("body panicked")
		}
		return body(r)
	}
	func() {
		defer func() {
			if v := recover(); v != "body panicked" {
				t.Errorf("Write panicked with %v, want Body's value", v)
			}
		}()
		o.Write(t.Context(), b.c, recs(1, 50))
		t.Error("Write returned")
	}()
	cursor, err := o.Load(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if cursor != "19" {
		t.Errorf("checkpoint %q after a panic at rec 20, want 19", cursor)
	}

	// A panic of the source too.
	o.Body = body
	func() {
		defer func() {
			if v := recover(); v != "source panicked" {
				t.Errorf("Write panicked with %v, want the source's value", v)
			}
		}()
		o.Write(t.Context(), b.c, func(yield func(rec, error) bool) {
			for r := range recs(20, 30) {
				if !yield(r, nil) {
					return
				}
			}
			panic("source panicked")
		})
		t.Error("Write returned")
	}()
}

// failingStore fails every Save after the first ok.
type failingStore struct {
	checkpoint.Store
	mu sync.Mutex
	ok int
}

func (s *failingStore) Save(ctx context.Context, name, cursor string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ok == 0 {
		return errors.New("disk full")
	}
	s.ok--
	return s.Store.Save(ctx, name, cursor)
}

// A checkpoint that cannot be saved stops the Write.
func TestObjectsCheckpointFails(t *testing.T) {
	b := newBucket(t)
	var u uploads
	o := newObjects(t, b, &u)
	o.Checkpoint = &failingStore{Store: o.Checkpoint, ok: 1}
	res, err := o.Write(t.Context(), b.c, recs(1, 1000))
	if err == nil || !strings.Contains(err.Error(), "checkpoint: disk full") {
		t.Fatalf("Write = %v, want the checkpoint's error", err)
	}
	t.Log(err)
	if res.Values >= 1000 {
		t.Errorf("Write = %+v, want it stopped early", res)
	}
}

// With SaveEvery longer than the Write, the checkpoint is saved at the
// end.
func TestObjectsSaveEvery(t *testing.T) {
	b := newBucket(t)
	var u uploads
	o := newObjects(t, b, &u)
	o.SaveEvery = 1 << 62
	res, err := o.Write(t.Context(), b.c, recs(1, 40))
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, o, b, res)
}
