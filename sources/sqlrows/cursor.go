package sqlrows

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// cursorPrefix versions the keyset cursor format: "v1:" and then, in
// unpadded URL-safe base64, each key column's text as PostgreSQL prints it,
// preceded by its length as a uvarint. A later format gets a new prefix,
// and a cursor of a format this version does not know is rejected, never
// misread.
const cursorPrefix = "v1:"

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
	return cursorPrefix + base64.RawURLEncoding.EncodeToString(key)
}

// decodeCursor returns the texts of the n key columns that c holds.
func decodeCursor(c string, n int) ([]string, error) {
	b64, ok := strings.CutPrefix(c, cursorPrefix)
	if !ok {
		return nil, fmt.Errorf("%w %.40q: unknown format", ErrBadCursor, c)
	}
	key, err := base64.RawURLEncoding.Strict().DecodeString(b64)
	if err == nil && base64.RawURLEncoding.EncodeToString(key) != b64 {
		// The decoder skips newlines: one key has one cursor.
		err = errors.New("not canonical base64")
	}
	if err != nil {
		return nil, fmt.Errorf("%w %.40q: %v", ErrBadCursor, c, err)
	}
	texts, err := splitKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w %.40q: %v", ErrBadCursor, c, err)
	}
	if len(texts) != n {
		return nil, fmt.Errorf("%w %.40q: it holds %d key columns, the key has %d", ErrBadCursor, c, len(texts), n)
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
			return nil, errors.New("malformed length")
		}
		texts = append(texts, string(key[w:w+int(size)]))
		key = key[w+int(size):]
	}
	return texts, nil
}
