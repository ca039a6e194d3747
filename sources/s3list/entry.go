package s3list

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-go/sluice/internal/cursor"
)

// An Entry is one item of a listing: an object, or, in a listing with a
// Delimiter, a common prefix (the keys that share it, rolled up, as S3
// returns them). Exactly one of Object and Prefix is set.
type Entry struct {
	// Object is the object, as the SDK returned it; nil for a common
	// prefix.
	Object *types.Object

	// Prefix is the common prefix, ending with the delimiter; "" for an
	// object.
	Prefix string
}

// IsPrefix reports whether e is a common prefix.
func (e Entry) IsPrefix() bool { return e.Object == nil }

// Key returns the object's key, or the common prefix.
func (e Entry) Key() string {
	if e.Object != nil {
		return aws.ToString(e.Object.Key)
	}
	return e.Prefix
}

// Cursor returns where e stands in its listing, for Options.After: "v1:"
// followed by the key, or the common prefix. A listing resumed after a
// common prefix skips every key under it. The cursor of an object o of
// All is Entry{Object: &o}.Cursor().
func (e Entry) Cursor() string { return cursor.Format(e.Key()) }

// merge calls yield for the objects and common prefixes of one page in
// key order, as S3 orders them together; each list is already in order.
func merge(objs []types.Object, prefixes []types.CommonPrefix, yield func(Entry) bool) bool {
	i, j := 0, 0
	for i < len(objs) || j < len(prefixes) {
		var e Entry
		if j == len(prefixes) || (i < len(objs) && aws.ToString(objs[i].Key) < aws.ToString(prefixes[j].Prefix)) {
			e = Entry{Object: &objs[i]}
			i++
		} else {
			e = Entry{Prefix: aws.ToString(prefixes[j].Prefix)}
			j++
		}
		if !yield(e) {
			return false
		}
	}
	return true
}
