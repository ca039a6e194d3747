package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// marshal is what the command printed before it wrote its JSON by hand:
// encoding/json without HTML escaping.
func marshal(t *testing.T, v any) string {
	t.Helper()
	var w bytes.Buffer
	enc := json.NewEncoder(&w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(w.String(), "\n")
}

// A valid string is appended as encoding/json writes it.
func TestAppendStringValid(t *testing.T) {
	cases := []string{"", "plain", `quote " and \ back`, "tab\tnl\ncr\r", "\x00\x01\x1f\x7f", "<a href='x'>&amp;</a>",
		"é ü 日本 🙂", "line\u2028sep\u2029para", "\ufffd is valid", strings.Repeat("long ", 100)}
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		var b strings.Builder
		for range r.IntN(20) {
			switch r.IntN(4) {
			case 0:
				b.WriteByte(byte(r.IntN(0x80)))
			case 1:
				b.WriteRune(rune(0x80 + r.IntN(0x800)))
			case 2:
				b.WriteRune([]rune{'\u2028', '\u2029', '"', '\\', '\n'}[r.IntN(5)])
			default:
				b.WriteRune(rune(0x10000 + r.IntN(0x1000)))
			}
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		if got, want := string(appendString(nil, s)), marshal(t, s); got != want {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
		if got, want := string(appendString(nil, []byte(s))), marshal(t, s); got != want {
			t.Fatalf("appendString([]byte(%q)) = %s, want %s", s, got, want)
		}
	}
}

// A string that is not valid UTF-8 is appended as {"bytes": base64}, from
// which its bytes come back exactly.
func TestAppendStringInvalid(t *testing.T) {
	for _, s := range []string{"caf\xe9", "\xff", "ok\xc3", "a\xed\xa0\x80b" /* a surrogate */, "\xe9\n\"quoted\""} {
		if utf8.ValidString(s) {
			t.Fatalf("%q is valid", s)
		}
		got := appendString(nil, s)
		var obj struct{ Bytes []byte }
		if err := json.Unmarshal(got, &obj); err != nil || !utf8.Valid(got) {
			t.Fatalf("appendString(%q) = %s: not valid JSON in UTF-8 (%v)", s, got, err)
		}
		if string(obj.Bytes) != s || !strings.HasPrefix(string(got), `{"bytes":"`) {
			t.Errorf("appendString(%q) = %s, carries %q", s, got, obj.Bytes)
		}
		if want := `{"bytes":"` + base64.StdEncoding.EncodeToString([]byte(s)) + `"}`; string(got) != want {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

// Floats are appended as encoding/json writes them, but NaN and the
// infinities, which it refuses, as strings.
func TestAppendFloat(t *testing.T) {
	cases := []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, math.MaxFloat64, math.SmallestNonzeroFloat64, 5e-324}
	r := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		cases = append(cases, math.Float64frombits(r.Uint64()))
	}
	for _, f := range cases {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		if got, want := string(appendFloat(nil, f, 64)), marshal(t, f); got != want {
			t.Fatalf("appendFloat(%v, 64) = %s, want %s", f, got, want)
		}
		f32 := float32(f)
		if math.IsInf(float64(f32), 0) {
			continue
		}
		if got, want := string(appendFloat(nil, float64(f32), 32)), marshal(t, f32); got != want {
			t.Fatalf("appendFloat(%v, 32) = %s, want %s", f32, got, want)
		}
	}
	for f, want := range map[float64]string{math.NaN(): `"NaN"`, math.Inf(1): `"Infinity"`, math.Inf(-1): `"-Infinity"`} {
		if got := string(appendFloat(nil, f, 64)); got != want {
			t.Errorf("appendFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

// appendAny writes what encoding/json writes for the values pgx decodes.
func TestAppendAny(t *testing.T) {
	for _, v := range []any{nil, true, false, "s<&>", int8(-8), int16(300), int32(-70000), int64(1 << 62), 7, uint8(200), uint16(60000), uint32(1 << 31), uint64(1 << 63), uint(9),
		1.5, float32(0.1), []byte{0, 1, 2, 250}, json.RawMessage(`{"a":1}`), []any{1, "x", nil, []any{2.5}},
		map[string]any{"b": 1, "a": []any{"<x>"}}} {
		if got, want := string(appendAny(nil, v)), marshal(t, v); got != want {
			t.Errorf("appendAny(%#v) = %s, want %s", v, got, want)
		}
	}
}
