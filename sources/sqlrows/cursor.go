package sqlrows

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/sluice-go/sluice/internal/cursor"
)

// A keyset cursor is cursor.Version ("v1:") and then, in unpadded URL-safe
// base64, each key column's text as PostgreSQL prints it, preceded by its
// length as a uvarint. A later format gets a new version, and a cursor of
// a version this one does not know is refused, never misread.

// appendKey appends the text of one key column to an encoded key.
func appendKey(key []byte, text []byte) []byte {
	key = binary.AppendUvarint(key, uint64(len(text)))
	return append(key, text...)
}

// cursorOf returns the cursor of the key whose column texts are texts.
func cursorOf(texts []string) string {
	var key []byte
	for _, t := range texts {
		key = appendKey(key, []byte(t))
	}
	return cursor.Format(base64.RawURLEncoding.EncodeToString(key))
}

// decodeCursor returns the texts of the n key columns that c holds, or an
// error wrapping ErrBadCursor.
func decodeCursor(c string, n int) ([]string, error) {
	b64, err := cursor.Parse(ErrBadCursor, c)
	if err != nil {
		return nil, err
	}
	key, err := base64.RawURLEncoding.Strict().DecodeString(b64)
	if err != nil {
		return nil, cursor.Bad(ErrBadCursor, c, "its key is not URL-safe base64: "+err.Error())
	}
	if base64.RawURLEncoding.EncodeToString(key) != b64 {
		// The decoder skips newlines: one key has one cursor.
		return nil, cursor.Bad(ErrBadCursor, c, "its key is not canonical base64")
	}
	texts, err := splitKey(key)
	if err != nil {
		return nil, cursor.Bad(ErrBadCursor, c, "its key is "+err.Error())
	}
	if len(texts) != n {
		return nil, cursor.Bad(ErrBadCursor, c, fmt.Sprintf("it holds %d key values; Table.Key has %d columns", len(texts), n))
	}
	return texts, nil
}

// splitKey returns the parts of an encoded key.
func splitKey(key []byte) ([]string, error) {
	var texts []string
	for len(key) > 0 {
		size, w := binary.Uvarint(key)
		if w <= 0 || size > uint64(len(key)-w) {
			return nil, errors.New("truncated")
		}
		if w != binary.PutUvarint(make([]byte, binary.MaxVarintLen64), size) {
			// One key has one cursor: a length written with more bytes
			// than it needs is not one this package wrote.
			return nil, errors.New("malformed: a length in more bytes than it needs")
		}
		texts = append(texts, string(key[w:w+int(size)]))
		key = key[w+int(size):]
	}
	return texts, nil
}
