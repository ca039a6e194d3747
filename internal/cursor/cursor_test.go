package cursor

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errBad = errors.New("pkg: bad cursor")

func TestFormatParse(t *testing.T) {
	for _, pos := range []string{"x", "", "a/b:c", "v1:x", "12:34"} {
		c := Format(pos)
		if !strings.HasPrefix(c, "v1:") {
			t.Errorf("Format(%q) = %q, want the prefix v1:", pos, c)
		}
		got, err := Parse(errBad, c)
		if err != nil || got != pos {
			t.Errorf("Parse(Format(%q)) = %q, %v; want %q, nil", pos, got, err, pos)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, c := range []string{"", "x", "v2:x", "v1", "V1:x", " v1:x"} {
		pos, err := Parse(errBad, c)
		if err == nil {
			t.Errorf("Parse(%q) = %q, nil; want an error", c, pos)
			continue
		}
		if !errors.Is(err, errBad) {
			t.Errorf("Parse(%q) = %v; want an error wrapping the sentinel", c, err)
		}
		if want := `pkg: bad cursor "` + c + `": not a v1 cursor`; err.Error() != want {
			t.Errorf("Parse(%q) = %q, want %q", c, err, want)
		}
	}
}

func TestBad(t *testing.T) {
	err := Bad(errBad, "v1:../etc", `not under the root "data"`)
	if !errors.Is(err, errBad) {
		t.Errorf("Bad(…) = %v, does not wrap the sentinel", err)
	}
	if want := `pkg: bad cursor "v1:../etc": not under the root "data"`; err.Error() != want {
		t.Errorf("Bad(…) = %q, want %q", err, want)
	}
}

func TestBadTruncates(t *testing.T) {
	long := "v1:" + strings.Repeat("k", 5000)
	msg := Bad(errBad, long, "why").Error()
	want := `pkg: bad cursor "` + long[:200] + `…": why`
	if msg != want {
		t.Errorf("Bad(errBad, %d bytes, why) = %d bytes %q…, want %q…", len(long), len(msg), msg[:40], want[:40])
	}
	// A cursor as long as the limit is quoted whole.
	c := long[:200]
	if msg := Bad(errBad, c, "why").Error(); msg != `pkg: bad cursor "`+c+`": why` {
		t.Errorf("Bad(errBad, 200 bytes, why) = %q, want it whole", msg)
	}
}
