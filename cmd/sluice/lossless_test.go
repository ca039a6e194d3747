package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// jsonText returns the bytes a JSON value of the command stands for: a
// string's, or those of a {"bytes": base64} object.
func jsonText(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	var obj struct {
		Bytes []byte `json:"bytes"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj.Bytes == nil {
		t.Fatalf("%s is neither a string nor {\"bytes\": …}: %v", raw, err)
	}
	return string(obj.Bytes)
}

// rawObjects parses NDJSON output into objects of raw values, checking
// that every line is valid UTF-8.
func rawObjects(t *testing.T, out string) []map[string]json.RawMessage {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("output is not valid UTF-8: %q", out)
	}
	var objs []map[string]json.RawMessage
	for i, l := range lines(out) {
		var o map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("line %d %q: %v", i+1, l, err)
		}
		objs = append(objs, o)
	}
	return objs
}

// A file name that is not UTF-8 (Latin-1, as an old archive has them),
// and a line that is not, come out exactly: as {"bytes": base64} in JSON,
// from which they are found again, and as they are in the text format.
// Their cursors resume after them.
func TestLossless(t *testing.T) {
	dir := t.TempDir()
	latin := "caf\xe9" // "café" in Latin-1
	file := filepath.Join(dir, latin+".txt")
	content := "plain\n" + "na\xefve \"quoted\"\n" + "é in UTF-8\n" + "last\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "z.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	// walk: the path, and the cursor that holds it.
	objs := rawObjects(t, ok(t, "", nil, "walk", dir))
	var paths []string
	for _, o := range objs {
		paths = append(paths, jsonText(t, o["path"]))
	}
	if want := []string{dir, file, filepath.Join(dir, "z.txt")}; !slices.Equal(paths, want) {
		t.Fatalf("walk paths %q, want %q", paths, want)
	}
	if !strings.HasPrefix(string(objs[1]["path"]), `{"bytes":`) {
		t.Errorf("the Latin-1 path is %s, want {\"bytes\": …}", objs[1]["path"])
	}
	found := paths[1]
	if fi, err := os.Stat(found); err != nil || fi.Size() != int64(len(content)) {
		t.Errorf("the path read back from the output: %v", err)
	}
	cursor := jsonText(t, objs[1]["cursor"])
	if rest := ok(t, "", nil, "walk", dir, "--format", "text", "--after", cursor); rest != filepath.Join(dir, "z.txt")+"\n" {
		t.Errorf("walk --after the Latin-1 path's cursor: %q", rest)
	}
	if text := ok(t, "", nil, "walk", dir, "--format", "text"); text != dir+"\n"+file+"\n"+filepath.Join(dir, "z.txt")+"\n" {
		t.Errorf("walk --format text: %q, want the raw bytes", text)
	}

	// lines: the text of each line, found again from its bytes.
	objs = rawObjects(t, ok(t, "", nil, "lines", file))
	var texts []string
	for _, o := range objs {
		texts = append(texts, jsonText(t, o["text"]))
	}
	if want := lines(content); !slices.Equal(texts, want) {
		t.Fatalf("lines %q, want %q", texts, want)
	}
	if !strings.HasPrefix(string(objs[1]["text"]), `{"bytes":`) || string(objs[2]["text"]) != `"é in UTF-8"` {
		t.Errorf("texts %s and %s: want the Latin-1 one as {\"bytes\": …} and the UTF-8 one as a string", objs[1]["text"], objs[2]["text"])
	}
	if rest := ok(t, "", nil, "lines", file, "--format", "text", "--after", jsonText(t, objs[1]["cursor"])); rest != "é in UTF-8\nlast\n" {
		t.Errorf("lines --after the Latin-1 line: %q", rest)
	}
	if text := ok(t, "", nil, "lines", file, "--format", "text"); text != content {
		t.Errorf("lines --format text: %q, want the raw bytes %q", text, content)
	}
}
