package s3list

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cursor"
	"github.com/sluice-go/sluice/shard"
)

// A Sharder cuts the listing of one input into shards: ranges of keys,
// [Start, End) in key order, each read by a Reader as an ordinary
// listing bounded to its range (see the package documentation,
// "Shards"). It implements shard.Source[Entry]. Its methods may be
// called from many goroutines at once.
type Sharder struct {
	l  *listing
	id string
}

var _ shard.Source[Entry] = (*Sharder)(nil)

// NewSharder returns a Sharder of the listing of in, which it copies. It
// sends no request. A listing that cannot be cut into key ranges is an
// error: one with a Delimiter (a common prefix rolls up keys from both
// sides of a cut), a ContinuationToken or a StartAfter (a shard starts
// where its range does), an Options.After (a shard carries its own
// cursor) or Options.Unordered (a shard's cursor resumes it only in key
// order). Of opts, ClientOptions go to every request, and Workers, if
// above 8, bounds the requests Split sends at once (8 otherwise);
// ReadAhead is not used. in.MaxKeys is the size of each page, as in All.
func NewSharder(client s3.ListObjectsV2APIClient, in *s3.ListObjectsV2Input, opts *Options) (*Sharder, error) {
	if opts != nil {
		switch {
		case opts.After != "":
			return nil, fmt.Errorf("s3list: NewSharder with Options.After %q: a shard carries its own cursor (Shard.Cursor); leave After empty", opts.After)
		case opts.Unordered:
			return nil, errors.New("s3list: NewSharder with Options.Unordered: a shard is read in key order, so that its cursor resumes it; leave Unordered false")
		}
	}
	if in != nil {
		switch {
		case aws.ToString(in.Delimiter) != "":
			return nil, fmt.Errorf("s3list: NewSharder with ListObjectsV2Input.Delimiter %q: a common prefix cannot be cut into key ranges; leave Delimiter empty", aws.ToString(in.Delimiter))
		case aws.ToString(in.ContinuationToken) != "":
			return nil, errors.New("s3list: NewSharder with ListObjectsV2Input.ContinuationToken: a token says nowhere where in the key space it stands; leave it empty")
		case aws.ToString(in.StartAfter) != "":
			return nil, fmt.Errorf("s3list: NewSharder with ListObjectsV2Input.StartAfter %q: shards start where their ranges do; leave StartAfter empty", aws.ToString(in.StartAfter))
		case !utf8.ValidString(aws.ToString(in.Prefix)):
			return nil, fmt.Errorf("s3list: NewSharder with ListObjectsV2Input.Prefix %q: not UTF-8, so no S3 key starts with it", aws.ToString(in.Prefix))
		}
	}
	l, err := newListing(client, in, opts)
	if err != nil {
		return nil, err
	}
	return &Sharder{l: l, id: "s3list:" + l.bucket + "/" + l.prefix}, nil
}

// Split returns up to n shards that together hold every key of the
// listing exactly once, cut where a first look at the bucket says they
// hold about as many keys each: at the common prefixes of the top level
// (below the input's Prefix, with the delimiter "/"; a level that is a
// lone common prefix is passed for the level below it), and, inside a
// prefix (or a run of flat keys) that holds more than a shard's share,
// at keys estimated from its first page and a few one-key requests
// that find roughly where it ends. The estimate only balances the
// shards: whatever it says, they cover the listing exactly, as key
// ranges do. Split(ctx, 1) sends no request. n below 1 is an error.
func (s *Sharder) Split(ctx context.Context, n int) ([]shard.Shard, error) {
	if n < 1 {
		return nil, fmt.Errorf("s3list: Split(%d): want at least 1 shard", n)
	}
	if err := sluice.ContextError(ctx); err != nil {
		return nil, err
	}
	var cuts []string
	if n > 1 {
		var err error
		if cuts, err = s.plan(ctx, n); err != nil {
			return nil, err
		}
	}
	shards := make([]shard.Shard, 0, len(cuts)+1)
	start := ""
	for _, c := range cuts {
		shards = append(shards, shard.Shard{Source: s.id, Start: start, End: c})
		start = c
	}
	return append(shards, shard.Shard{Source: s.id, Start: start}), nil
}

// Open returns a Reader of the keys of sh. A shard of another bucket or
// prefix, a Start or End that is not UTF-8 or not under the input's
// Prefix, an End before its Start, or a Cursor that is not a cursor of a
// key in [Start, End) is an error wrapping shard.ErrBadShard (and, for
// the cursor, ErrBadCursor); Open sends no request.
func (s *Sharder) Open(sh shard.Shard) (shard.Reader[Entry], error) {
	r, err := s.open(sh)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Sharder) open(sh shard.Shard) (*Reader, error) {
	bad := func(why string) error { return fmt.Errorf("%w %v: %s", shard.ErrBadShard, sh, why) }
	if sh.Source != s.id {
		return nil, bad(fmt.Sprintf("not a shard of %q", s.id))
	}
	for _, p := range []struct{ name, pos string }{{"Start", sh.Start}, {"End", sh.End}} {
		switch {
		case p.pos == "":
		case !utf8.ValidString(p.pos):
			return nil, bad(p.name + " is not UTF-8, so not a position among S3 keys")
		case !strings.HasPrefix(p.pos, s.l.prefix):
			return nil, bad(fmt.Sprintf("%s is outside the listing's prefix %q", p.name, s.l.prefix))
		}
	}
	if sh.End != "" && sh.Start > sh.End {
		return nil, bad("End is before Start")
	}
	r := &Reader{s: s, start: sh.Start, end: sh.End}
	if sh.Cursor != "" {
		key, err := cursor.Parse(ErrBadCursor, sh.Cursor)
		if err == nil {
			switch {
			case key == "":
				err = cursor.Bad(ErrBadCursor, sh.Cursor, "no key")
			case !utf8.ValidString(key):
				err = cursor.Bad(ErrBadCursor, sh.Cursor, "not UTF-8, so not an S3 key")
			case key < sh.Start || (sh.End != "" && key >= sh.End):
				err = cursor.Bad(ErrBadCursor, sh.Cursor, fmt.Sprintf("outside the shard [%q, %q)", sh.Start, sh.End))
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", shard.ErrBadShard, err)
		}
		r.last, r.cursor = key, sh.Cursor
	}
	return r, nil
}

// before returns a StartAfter for a range that starts at key k,
// inclusive: S3's StartAfter is exclusive, and the greatest key below k
// has no finite form. It is k with its last code point lowered by one and
// followed by U+10FFFF, the greatest code point (as afterPrefix skips a
// prefix): only keys that go on with U+10FFFF lie between it and k, and
// the reader drops them. A k ending with U+0000 is preceded by k without
// it, exactly.
func before(k string) string {
	r, size := utf8.DecodeLastRuneInString(k)
	rest := k[:len(k)-size]
	switch r {
	case 0:
		return rest
	case 0xE000: // below it, the surrogates, which UTF-8 cannot hold
		r = 0xD7FF
	default:
		r--
	}
	return rest + string(r) + "\U0010FFFF"
}

// successor returns the least position after key k: every key greater
// than k is at or after it.
func successor(k string) string { return k + "\x00" }
