package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tree creates a directory tree of dirs directories of files empty files
// each, and a few of other kinds, and returns its root.
func tree(t *testing.T, dirs, files int) string {
	t.Helper()
	root := t.TempDir()
	for i := range dirs {
		d := filepath.Join(root, fmt.Sprintf("dir%03d", i), "sub")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for j := range files {
			if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("file%04d.txt", j)), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(root, "a.txt"), []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.txt", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	return root
}

// walkPaths lists root as filepath.WalkDir does.
func walkPaths(t *testing.T, root string) []string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		paths = append(paths, path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func TestWalk(t *testing.T) {
	root := tree(t, 3, 4)
	objs := objects(t, ok(t, "", nil, "walk", root))
	if got, want := column(objs, "path"), walkPaths(t, root); !slices.Equal(got, want) {
		t.Fatalf("paths:\n%q\nwant\n%q", got, want)
	}
	types := map[string]string{}
	for _, o := range objs {
		types[o["path"].(string)] = o["type"].(string)
		if o["cursor"] == nil || o["cursor"] == "" {
			t.Errorf("%v has no cursor", o)
		}
	}
	for path, want := range map[string]string{root: "dir", filepath.Join(root, "a.txt"): "file", filepath.Join(root, "link"): "symlink"} {
		if types[path] != want {
			t.Errorf("type of %s = %q, want %q", path, types[path], want)
		}
	}
	for _, o := range objs {
		if o["path"] == filepath.Join(root, "a.txt") {
			if fmt.Sprint(o["size"]) != "6" || o["mode"] != "-rw-------" || o["mod_time"] == nil {
				t.Errorf("a.txt: %v, want size 6, mode -rw-------, a mod_time", o)
			}
		}
	}

	text := ok(t, "", nil, "walk", "--format", "text", root)
	if want := strings.Join(walkPaths(t, root), "\n") + "\n"; text != want {
		t.Errorf("--format text:\n%s\nwant\n%s", text, want)
	}
	// Flags after the directory, and --workers: the same entries.
	if got := ok(t, "", nil, "walk", root, "--format=text", "--workers", "4"); got != text {
		t.Errorf("walk DIR --format=text --workers 4:\n%s\nwant\n%s", got, text)
	}
	if got := ok(t, "", nil, "walk", "--limit", "3", "--format", "text", root); got != strings.Join(lines(text)[:3], "\n")+"\n" {
		t.Errorf("--limit 3:\n%s", got)
	}
}

func TestWalkInterrupt(t *testing.T) {
	root := tree(t, 20, 300)
	full := ok(t, "", nil, "walk", root)
	interruptAndResume(t, nil, full, "walk", root)
}

func TestWalkProgress(t *testing.T) {
	root := tree(t, 2, 10)
	r := runBin(t, "", nil, "walk", "--progress", root)
	if r.code != 0 {
		t.Fatalf("exit code %d: %s", r.code, r.stderr)
	}
	if want := fmt.Sprintf("walk (%d/-", len(walkPaths(t, root))); !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "items/s") {
		t.Errorf("--progress: stderr = %q, want the count (%q) and a rate", r.stderr, want)
	}
	// Without --progress, and stderr not a terminal: nothing.
	if r := runBin(t, "", nil, "walk", root); r.stderr != "" {
		t.Errorf("stderr without --progress = %q", r.stderr)
	}
}

func TestCheckpoint(t *testing.T) {
	root := tree(t, 3, 30)
	full := ok(t, "", nil, "walk", root)
	ck := filepath.Join(t.TempDir(), "walk.ckpt")

	first := ok(t, "", nil, "walk", "--checkpoint", ck, "--limit", "25", root)
	if n := len(lines(first)); n != 25 {
		t.Fatalf("--limit 25 printed %d lines", n)
	}
	second := ok(t, "", nil, "walk", root, "--checkpoint", ck)
	if first+second != full {
		t.Fatalf("first run (%d lines) + second run (%d lines) != full run (%d lines)",
			len(lines(first)), len(lines(second)), len(lines(full)))
	}
	if third := ok(t, "", nil, "walk", root, "--checkpoint", ck); third != "" {
		t.Errorf("third run, after the end: %d lines, want none", len(lines(third)))
	}
	// An explicit --after wins over the checkpoint.
	after := objects(t, first)[24]["cursor"].(string)
	if got := ok(t, "", nil, "walk", root, "--checkpoint", ck, "--after", after); got != second {
		t.Errorf("--after with a finished checkpoint: %d lines, want the %d after the cursor", len(lines(got)), len(lines(second)))
	}

	// A checkpoint of another source is refused.
	oneLineError(t, runBin(t, "", nil, "walk", filepath.Join(root, "dir000"), "--checkpoint", ck), 1, "use another file")
	file := filepath.Join(root, "a.txt")
	oneLineError(t, runBin(t, "", nil, "lines", file, "--checkpoint", ck), 1, "use another file")
	oneLineError(t, runBin(t, "", nil, "lines", file, "--checkpoint", filepath.Join(root, "nodir", "x")), 1, "nodir")
}
