package s3list

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cursor"
)

// Options configure a listing. A nil *Options means the defaults: from
// the start, one request at a time, the client's own retry settings.
type Options struct {
	// After, if not empty, is the cursor (Entry.Cursor, "v1:" followed by
	// the key or common prefix) of an earlier listing of the same bucket
	// and input: the listing continues strictly after it. Its key becomes
	// the request's StartAfter, so it must not be combined with the
	// input's own StartAfter or ContinuationToken. A cursor that is
	// malformed, of another version (a bare key, as cursors were before
	// v1) or outside the input's Prefix is an error wrapping
	// ErrBadCursor.
	After string

	// Workers, if above 1, lists that many key ranges at once (see the
	// package documentation, "Concurrency"); the listing is still yielded
	// in key order, and equals the sequential one exactly. Zero or 1
	// lists one page at a time. A listing with a Delimiter or a
	// ContinuationToken is always listed one page at a time.
	Workers int

	// ReadAhead bounds, with Workers, how many pages (of up to MaxKeys
	// objects, 1000 by default) are held at once: fetched and not yet
	// yielded, or being fetched. Zero means 4 × Workers. It is at least
	// Workers.
	ReadAhead int

	// Unordered, with Workers, yields each page as soon as it arrives
	// rather than in key order. The listing holds the same objects, but
	// its cursors cannot resume it: a cursor says only that the keys
	// before it in key order were listed, which in this order is not so.
	Unordered bool

	// ClientOptions are passed to every ListObjectsV2 call, as the SDK's
	// paginator passes its NextPage options. Configure the retryer here
	// (for a long listing, more attempts than the SDK's default of 3:
	// func(o *s3.Options) { o.RetryMaxAttempts = 10 }), never by retrying
	// around the listing: a request that fails after its retries ends the
	// listing with its error.
	ClientOptions []func(*s3.Options)

	// Limiter, if not nil, is waited on before each ListObjectsV2
	// request: each page, and with Workers each request of the
	// concurrent listing, its probes included. It paces a listing of a
	// bucket that bills per request or of a server that throttles:
	// rate.NewLimiter(10, 1), of golang.org/x/time/rate, lists at most
	// ten pages a second. Wait is called with the listing's context; a
	// context done while it waits ends the listing with the context's
	// error, any other error of Wait ends it with that error. With
	// Workers the requests wait at once, so it must be safe for
	// concurrent use, as *rate.Limiter is.
	Limiter sluice.Limiter
}

// A listing is a validated input: what every range of an iterator lists.
// It is made once, when All, Stream, Entries or EntriesStream is called,
// and only read afterwards, so ranges may run at once.
type listing struct {
	client s3.ListObjectsV2APIClient
	in     s3.ListObjectsV2Input // a copy, its StartAfter set from After
	opts   Options

	bucket, prefix, delim string

	// skip, if not empty, is a key or common prefix that S3 may return
	// again (a common prefix resumed after, whose keys come after the
	// StartAfter that skips it): entries up to it are dropped.
	skip string
}

func newListing(client s3.ListObjectsV2APIClient, in *s3.ListObjectsV2Input, opts *Options) (*listing, error) {
	switch {
	case client == nil:
		return nil, errNilClient
	case in == nil:
		return nil, errNilInput
	case aws.ToString(in.Bucket) == "":
		return nil, errNoBucket
	case in.EncodingType != "":
		// The keys would come URL-encoded, and cursors made of them
		// would not resume.
		return nil, fmt.Errorf("s3list: ListObjectsV2Input.EncodingType %q is not supported: leave it empty", in.EncodingType)
	}
	l := &listing{client: client, in: *in}
	if opts != nil {
		l.opts = *opts
	}
	l.bucket, l.prefix, l.delim = aws.ToString(in.Bucket), aws.ToString(in.Prefix), aws.ToString(in.Delimiter)
	o := &l.opts
	switch {
	case o.Workers < 0:
		return nil, fmt.Errorf("s3list: Options.Workers is %d; want 0 or more", o.Workers)
	case o.ReadAhead < 0:
		return nil, fmt.Errorf("s3list: Options.ReadAhead is %d; want 0 or more", o.ReadAhead)
	}
	if o.ReadAhead == 0 {
		o.ReadAhead = 4 * o.Workers
	}
	o.ReadAhead = max(o.ReadAhead, o.Workers)
	if o.After == "" {
		return l, nil
	}
	switch {
	case aws.ToString(in.StartAfter) != "":
		return nil, fmt.Errorf("s3list: both Options.After (%q) and ListObjectsV2Input.StartAfter (%q) are set: After is the StartAfter of a resumed listing", o.After, aws.ToString(in.StartAfter))
	case aws.ToString(in.ContinuationToken) != "":
		return nil, fmt.Errorf("s3list: both Options.After (%q) and ListObjectsV2Input.ContinuationToken are set: a resumed listing starts after its cursor", o.After)
	}
	key, startAfter, err := l.startAfter(o.After)
	if err != nil {
		return nil, err
	}
	l.in.StartAfter = aws.String(startAfter)
	l.skip = key
	return l, nil
}

// startAfter returns the key or common prefix that the cursor c stands
// at, and the StartAfter that resumes the listing strictly after it, or
// an error wrapping ErrBadCursor.
func (l *listing) startAfter(c string) (key, startAfter string, err error) {
	key, err = cursor.Parse(ErrBadCursor, c)
	if err != nil {
		return "", "", err
	}
	rest, ok := strings.CutPrefix(key, l.prefix)
	switch {
	case key == "":
		return "", "", cursor.Bad(ErrBadCursor, c, "no key")
	case !utf8.ValidString(key):
		return "", "", cursor.Bad(ErrBadCursor, c, "not UTF-8, so not an S3 key")
	case !ok:
		return "", "", cursor.Bad(ErrBadCursor, c, fmt.Sprintf("outside the listing's prefix %q", l.prefix))
	case l.delim == "":
		return key, key, nil
	}
	i := strings.Index(rest, l.delim)
	switch {
	case i < 0:
		return key, key, nil // an object's key
	case i+len(l.delim) == len(rest):
		return key, afterPrefix(key), nil // a common prefix
	}
	return "", "", cursor.Bad(ErrBadCursor, c, fmt.Sprintf("a key inside the common prefix %q, which a listing with delimiter %q does not yield", l.prefix+rest[:i+len(l.delim)], l.delim))
}

// afterPrefix returns a StartAfter that skips every key under the common
// prefix p. StartAfter = p itself would list p's keys again (S3 rolls
// them up into p once more), so it is p followed by the greatest code
// point, U+10FFFF, whose UTF-8 bytes (F4 8F BF BF) are the greatest any
// key can hold. Only keys under p that go on with U+10FFFF themselves
// sort after it; they roll up into p, which the listing drops as already
// yielded (listing.skip).
func afterPrefix(p string) string { return p + "\U0010FFFF" }
