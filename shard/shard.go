package shard

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// A Shard is a part of a source: the values whose positions, in the
// source's own order, lie in [Start, End), read strictly after Cursor when
// Cursor is not "". Shards are made by a [Source]'s Split and by a running
// [Reader]'s Split, and read by the Source's Open.
//
// Start and End are positions in the encoding of the package that made the
// shard (an S3 key, a byte offset, an encoded key tuple, a path); "" is the
// start of the source for Start and its end for End. Cursor, when set, is
// a cursor of the source (a value's Cursor method), of a value inside the
// shard. Source names the source and its package, so that a shard is never
// opened on another source.
//
// A Shard is a plain value: [Shard.String] and [Parse] carry it through a
// job queue, a file or a database as one line of printable ASCII.
type Shard struct {
	Source string
	Start  string
	End    string
	Cursor string
}

// version prefixes the encoded form, as the sources' cursors carry theirs.
const version = "v1:"

// String encodes s as "v1:" followed by its non-empty fields as URL query
// parameters (source, start, end, cursor, in that order), percent-encoded
// so that any bytes a position holds (a file name that is not UTF-8)
// survive the trip. [Parse] reverses it.
func (s Shard) String() string {
	var b strings.Builder
	b.WriteString(version)
	add := func(k, v string) {
		if v == "" {
			return
		}
		if b.Len() > len(version) {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	add("source", s.Source)
	add("start", s.Start)
	add("end", s.End)
	add("cursor", s.Cursor)
	return b.String()
}

// Parse decodes a shard encoded by [Shard.String]. A string of another
// version, an unknown or repeated field, or a bad escape is an error
// wrapping ErrBadShard.
func Parse(text string) (Shard, error) {
	var s Shard
	rest, ok := strings.CutPrefix(text, version)
	if !ok {
		return Shard{}, fmt.Errorf("%w %q: not a v1 shard", ErrBadShard, text)
	}
	seen := map[string]bool{}
	for rest != "" {
		var field string
		field, rest, _ = strings.Cut(rest, "&")
		k, ev, ok := strings.Cut(field, "=")
		if !ok {
			return Shard{}, fmt.Errorf("%w %q: field %q has no value", ErrBadShard, text, field)
		}
		v, err := url.QueryUnescape(ev)
		if err != nil {
			return Shard{}, fmt.Errorf("%w %q: %v", ErrBadShard, text, err)
		}
		if seen[k] {
			return Shard{}, fmt.Errorf("%w %q: field %q given twice", ErrBadShard, text, k)
		}
		seen[k] = true
		switch k {
		case "source":
			s.Source = v
		case "start":
			s.Start = v
		case "end":
			s.End = v
		case "cursor":
			s.Cursor = v
		default:
			return Shard{}, fmt.Errorf("%w %q: unknown field %q", ErrBadShard, text, k)
		}
	}
	return s, nil
}

// MarshalText encodes s as [Shard.String] does, so that a Shard is a
// string in JSON (a job's arguments) and in any encoding that honours
// encoding.TextMarshaler.
func (s Shard) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes what MarshalText encoded, as [Parse] does.
func (s *Shard) UnmarshalText(text []byte) error {
	p, err := Parse(string(text))
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// ErrBadShard is wrapped by every error about a shard that cannot be
// decoded or opened: another encoding, another source, a position its
// source cannot read, a Cursor outside [Start, End).
var ErrBadShard = errors.New("shard: bad shard")

// ErrNoSplit is returned by a Reader's Split when nothing is left to give
// away: the reader has yielded, or is about to yield, its last value, or
// it has ended.
var ErrNoSplit = errors.New("shard: nothing left to split")
