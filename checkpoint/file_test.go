package checkpoint_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/checkpoint"
)

var _ checkpoint.Store = (*checkpoint.FileStore)(nil)

func newFile(t *testing.T) *checkpoint.FileStore {
	t.Helper()
	s, err := checkpoint.NewFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFileRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newFile(t)
	if got, err := s.Load(ctx, "orders"); got != "" || err != nil {
		t.Fatalf(`Load(unsaved) = %q, %v, want "", nil`, got, err)
	}
	for _, c := range []string{"k1", "", "line1\nline2\n", "sluice-checkpoint v1 0 00000000\n", strings.Repeat("x", 1<<16), "\x00\xff"} {
		if err := s.Save(ctx, "orders", c); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Load(ctx, "orders"); got != c || err != nil {
			t.Fatalf("Load after Save(%.20q) = %.20q, %v", c, got, err)
		}
	}
	if err := s.Save(ctx, "other", "o"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Load(ctx, "orders"); got != "\x00\xff" {
		t.Errorf("Load(orders) = %q after saving another name", got)
	}
	entries, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "orders,other" {
		t.Errorf("directory holds %v, want [orders other]: temporary files left behind", names)
	}
}

func TestFileLeftoverTemp(t *testing.T) {
	ctx := context.Background()
	s := newFile(t)
	if err := s.Save(ctx, "n", "old"); err != nil {
		t.Fatal(err)
	}
	// What a crash before the rename leaves: a partial temporary file.
	if err := os.WriteFile(filepath.Join(s.Dir(), ".checkpoint-123.tmp"), []byte("sluice-checkpoint v1 9 0"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "n"); got != "old" || err != nil {
		t.Errorf("Load = %q, %v, want old", got, err)
	}
	if err := s.Save(ctx, "n", "new"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "n"); got != "new" || err != nil {
		t.Errorf("Load = %q, %v, want new", got, err)
	}
}

func TestFileCorrupt(t *testing.T) {
	ctx := context.Background()
	s := newFile(t)
	if err := s.Save(ctx, "n", "cursor-1234"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Dir(), "n")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	header, _, _ := strings.Cut(string(good), "\n")
	for _, tc := range []struct{ name, content string }{
		{"empty", ""},
		{"truncated header", string(good[:10])},
		{"truncated cursor", string(good[:len(good)-3])},
		{"extra bytes", string(good) + "x"},
		{"flipped byte", strings.Replace(string(good), "1234", "1235", 1)},
		{"not a checkpoint", "cursor-1234\n"},
		{"future version", strings.Replace(string(good), " v1 ", " v2 ", 1)},
		{"bad length", strings.Replace(string(good), " 11 ", " x ", 1)},
		{"bad checksum", header[:len(header)-8] + "zzzzzzzz\ncursor-1234"},
		{"no checksum", "sluice-checkpoint v1 11\ncursor-1234"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := s.Load(ctx, "n")
			if !errors.Is(err, checkpoint.ErrCorrupt) {
				t.Fatalf("Load = %q, %v, want ErrCorrupt", got, err)
			}
			if !strings.HasPrefix(err.Error(), "checkpoint: ") || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q should start with checkpoint: and name %s", err, path)
			}
		})
	}
}

func TestFileMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	s, err := checkpoint.NewFile(dir)
	if err == nil || s != nil {
		t.Fatalf("NewFile(missing) = %v, %v, want error", s, err)
	}
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), dir) || !strings.HasPrefix(err.Error(), "checkpoint: ") {
		t.Errorf("NewFile(missing) error = %q, want one naming %s and wrapping fs.ErrNotExist", err, dir)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("NewFile created %s", dir)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := checkpoint.NewFile(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("NewFile(regular file) error = %v, want not a directory", err)
	}
}

func TestFileDirRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := checkpoint.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(dir)
	if err := s.Save(context.Background(), "n", "c"); err == nil || !strings.HasPrefix(err.Error(), "checkpoint: save n: ") {
		t.Errorf("Save into removed dir = %v, want checkpoint: save n: …", err)
	}
}

func TestFileBadNames(t *testing.T) {
	ctx := context.Background()
	s := newFile(t)
	for _, name := range []string{"", ".", "..", "a/b", "../x", "/abs", `a\b`, "nul\x00", ".hidden", ".checkpoint-1.tmp"} {
		if err := s.Save(ctx, name, "c"); !errors.Is(err, checkpoint.ErrInvalidName) || !strings.Contains(err.Error(), strconv.Quote(name)) {
			t.Errorf("Save(%q) = %v, want ErrInvalidName naming it", name, err)
		}
		if _, err := s.Load(ctx, name); !errors.Is(err, checkpoint.ErrInvalidName) {
			t.Errorf("Load(%q) = %v, want ErrInvalidName", name, err)
		}
	}
	entries, _ := os.ReadDir(s.Dir())
	if len(entries) != 0 {
		t.Errorf("bad names created %d files", len(entries))
	}
}

func TestFileCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newFile(t)
	if err := s.Save(ctx, "n", "c"); !errors.Is(err, context.Canceled) {
		t.Errorf("Save(canceled) = %v, want context.Canceled", err)
	}
	if _, err := s.Load(ctx, "n"); !errors.Is(err, context.Canceled) {
		t.Errorf("Load(canceled) = %v, want context.Canceled", err)
	}
}
