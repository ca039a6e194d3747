package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// The command writes its JSON by hand, appending to the output buffer:
// encoding/json through reflection and an interface per field cost more
// than the sources themselves (issue 12). The appenders write what
// encoding/json writes with SetEscapeHTML(false), but for strings that
// are not valid UTF-8: see appendString.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, as encoding/json does with
// SetEscapeHTML(false), when s is valid UTF-8. A string that is not, which
// JSON cannot hold (encoding/json would replace its bad bytes with U+FFFD,
// and the value could not be found again), is appended as an object that
// carries its bytes in base64, ripgrep's convention:
//
//	{"bytes":"bGF0aW4x6Q=="}
func appendString[S ~string | ~[]byte](b []byte, s S) []byte {
	// The fast path: printable ASCII without '"' or '\\'.
	i := 0
	for i < len(s) {
		c := s[i]
		if c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			break
		}
		i++
	}
	if i == len(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	if !valid(s) {
		return appendBytesObject(b, []byte(s))
	}
	b = append(b, '"')
	b = append(b, s[:i]...)
	start := i
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == '\u2028' || r == '\u2029' {
			// As encoding/json: JavaScript would end a line there.
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func valid[S ~string | ~[]byte](s S) bool {
	switch v := any(s).(type) {
	case string:
		return utf8.ValidString(v)
	case []byte:
		return utf8.Valid(v)
	}
	return utf8.ValidString(string(s))
}

// appendBytesObject appends p as {"bytes":"<base64>"}.
func appendBytesObject(b, p []byte) []byte {
	b = append(b, `{"bytes":"`...)
	b = base64.StdEncoding.AppendEncode(b, p)
	return append(b, `"}`...)
}

// appendField appends "name": (name needs no escaping) after a comma if b
// already holds a field of the object.
func appendField(b []byte, name string) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// appendFloat appends f as encoding/json does, or, for NaN and the
// infinities, which JSON cannot hold, as the strings "NaN", "Infinity"
// and "-Infinity".
func appendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	// encoding/json's floatEncoder: ES6's number-to-string.
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendAny appends v as JSON: with the appenders above for the types
// they know, and through encoding/json for the rest, whose strings then
// follow appendString's rule too.
func appendAny(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int8:
		return strconv.AppendInt(b, int64(v), 10)
	case int16:
		return strconv.AppendInt(b, int64(v), 10)
	case int32:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case uint:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint64:
		return strconv.AppendUint(b, v, 10)
	case float64:
		return appendFloat(b, v, 64)
	case float32:
		return appendFloat(b, float64(v), 32)
	case []byte:
		// As encoding/json: base64, in a string.
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, v)
		return append(b, '"')
	case json.RawMessage:
		return append(b, v...)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAny(b, e)
		}
		return append(b, ']')
	case map[string]any:
		// encoding/json sorts the keys; so does this, through it, but
		// with appendString's rule for the strings inside.
		return appendMarshaled(b, v)
	}
	return appendMarshaled(b, v)
}

// appendMarshaled appends v as encoding/json marshals it, without
// escaping HTML, or as a string of fmt's %v if it cannot.
func appendMarshaled(b []byte, v any) []byte {
	var w bytes.Buffer
	enc := json.NewEncoder(&w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return appendString(b, fmt.Sprint(v))
	}
	return append(b, bytes.TrimSuffix(w.Bytes(), []byte{'\n'})...)
}
