package shard_test

import (
	"encoding/json"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/shard"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestStringParse(t *testing.T) {
	for _, s := range []shard.Shard{
		{},
		{Source: "s3list:bucket/prefix/"},
		{Source: "walkdir:/data", Start: "a/b", End: "a/c & d=e", Cursor: "v1:a/b/\xff\x00"},
		{Source: "scanner", Start: "100", End: "200", Cursor: "v1:150:7"},
		{End: "%%%+ ?&="},
	} {
		text := s.String()
		got, err := shard.Parse(text)
		if err != nil || got != s {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", text, got, err, s)
		}
		for _, c := range []byte(text) {
			if c < 0x21 || c > 0x7e {
				t.Errorf("String() of %+v = %q: byte %#x is not printable ASCII", s, text, c)
				break
			}
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, text := range []string{
		"",
		"source=a",
		"v2:source=a",
		"v1:source",
		"v1:source=a&source=b",
		"v1:colour=red",
		"v1:start=%zz",
	} {
		if s, err := shard.Parse(text); !errors.Is(err, shard.ErrBadShard) {
			t.Errorf("Parse(%q) = %+v, %v; want an error wrapping ErrBadShard", text, s, err)
		}
	}
}

// A Shard is a string in JSON, as in a job's arguments.
func TestJSON(t *testing.T) {
	type args struct {
		Shard shard.Shard `json:"shard"`
	}
	in := args{shard.Shard{Source: "keys", Start: "k\x00", End: "l"}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"shard":"v1:source=keys\u0026start=k%00\u0026end=l"}`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
	var out args
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("json.Unmarshal(%s) = %+v, %v; want %+v", b, out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"shard":"v9:x"}`), &out); !errors.Is(err, shard.ErrBadShard) {
		t.Errorf("json.Unmarshal of a v9 shard = %v, want ErrBadShard", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("v1:source=a&start=b&end=c&cursor=d")
	f.Add("v1:end=%FF")
	f.Fuzz(func(t *testing.T, text string) {
		s, err := shard.Parse(text)
		if err != nil {
			return
		}
		again, err := shard.Parse(s.String())
		if err != nil || again != s {
			t.Fatalf("Parse(String(%+v)) = %+v, %v", s, again, err)
		}
	})
}

func FuzzString(f *testing.F) {
	f.Add("a", "b", "c", "d")
	f.Fuzz(func(t *testing.T, source, start, end, cursor string) {
		s := shard.Shard{Source: source, Start: start, End: end, Cursor: cursor}
		got, err := shard.Parse(s.String())
		if err != nil || got != s {
			t.Fatalf("Parse(%q) = %+v, %v; want %+v", s.String(), got, err, s)
		}
	})
}
