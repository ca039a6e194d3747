package walkdir_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/walkdir"
	"github.com/sluice-go/sluice/sources/walkdir/internal/benchtree"
)

// gorootSrc returns $(go env GOROOT)/src, or skips the test without go.
func gorootSrc(tb testing.TB) string {
	dir, err := benchtree.GorootSrc()
	if err != nil {
		tb.Skip("no go command to locate GOROOT:", err)
	}
	return dir
}

func filepathWalkDir(t *testing.T, root string) []string {
	var want []string
	err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		want = append(want, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// TestGoroot walks the Go source tree with every form and compares with
// filepath.WalkDir and fs.WalkDir: same paths, same order.
func TestGoroot(t *testing.T) {
	root := gorootSrc(t)
	want := filepathWalkDir(t, root)
	ctx := t.Context()
	check := func(name string, got []string, err error, want []string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if i := firstDiff(got, want); i >= 0 {
			t.Errorf("%s: %d entries, want %d; first difference at %d", name, len(got), len(want), i)
		}
	}
	got, err := collect(walkdir.Dir(ctx, root, nil))
	check("Dir", got, err, want)
	got, err = collect(sluice.FromStream(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4}, nil)))
	check("DirStream/Workers=4", got, err, want)

	fsys := os.DirFS(root)
	wantFS := paths(walkDirPaths(t, fsys, "."))
	got, err = collect(walkdir.All(ctx, fsys, ".", nil))
	check("All", got, err, wantFS)
	got, err = collect(sluice.FromStream(walkdir.Stream(ctx, fsys, ".", &walkdir.Options{Workers: 4}, nil)))
	check("Stream/Workers=4", got, err, wantFS)

	// Resuming a parallel stream from the middle gives the rest.
	mid := len(want) / 2
	got, err = collect(sluice.FromStream(walkdir.DirStream(ctx, root, &walkdir.Options{Workers: 4, After: walkdir.Entry{Path: want[mid]}.Cursor()}, nil)))
	check("DirStream/Workers=4/After", got, err, want[mid+1:])
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// tree makes the files named in a temporary directory ("x/" for a
// directory) and returns it.
func tree(t *testing.T, names ...string) string {
	dir := t.TempDir()
	for _, n := range names {
		p := filepath.Join(dir, n)
		if strings.HasSuffix(n, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestUnreadableDir(t *testing.T) {
	dir := tree(t, "a/x", "b/y", "c")
	locked := filepath.Join(dir, "b")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(locked, 0o755)
	if _, err := os.ReadDir(locked); err == nil {
		t.Skip("chmod 000 does not stop this process from reading a directory (running as root?); TestOnError covers unreadable directories through an fs.FS")
	}
	for _, workers := range []int{0, 4} {
		_, err := collect(walkdir.Dir(t.Context(), dir, &walkdir.Options{Workers: workers}))
		if !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Workers=%d: %v, want fs.ErrPermission", workers, err)
		}
		got, err := collect(walkdir.Dir(t.Context(), dir, &walkdir.Options{Workers: workers, OnError: func(string, error) error { return nil }}))
		if err != nil || len(got) != 5 {
			t.Errorf("Workers=%d, continuing: %q, %v", workers, got, err)
		}
	}
}

// TestRemovedDuringWalk removes a directory after the walk has listed it
// and before it reads it.
func TestRemovedDuringWalk(t *testing.T) {
	dir := tree(t, "a/x", "b/y", "b/z/w", "c")
	for _, cont := range []bool{false, true} {
		dir := dir
		if cont {
			dir = tree(t, "a/x", "b/y", "b/z/w", "c")
		}
		o := &walkdir.Options{Filter: func(e walkdir.Entry) error {
			if filepath.Base(e.Path) == "a" {
				os.RemoveAll(filepath.Join(dir, "b"))
			}
			return nil
		}}
		if cont {
			o.OnError = func(string, error) error { return nil }
		}
		got, err := collect(walkdir.Dir(t.Context(), dir, o))
		rel := make([]string, len(got))
		for i, p := range got {
			rel[i], _ = filepath.Rel(dir, p)
		}
		if !cont && (!errors.Is(err, fs.ErrNotExist) || !slices.Equal(rel, []string{".", "a", "a/x", "b"})) {
			t.Errorf("stopping: %q, %v; want up to b, then fs.ErrNotExist", rel, err)
		}
		if cont && (err != nil || !slices.Equal(rel, []string{".", "a", "a/x", "b", "c"})) {
			t.Errorf("continuing: %q, %v", rel, err)
		}
	}
}

func TestSymlinks(t *testing.T) {
	dir := tree(t, "a/x", "b/y")
	if err := os.Symlink("..", filepath.Join(dir, "a", "up")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if err := os.Symlink("../b", filepath.Join(dir, "a", "tob")); err != nil {
		t.Fatal(err)
	}
	want := []string{".", "a", "a/tob", "a/up", "a/x", "b", "b/y"}
	for _, workers := range []int{0, 4} {
		got, err := collect(walkdir.Dir(t.Context(), dir, &walkdir.Options{Workers: workers}))
		if err != nil || !slices.Equal(rel(dir, got), want) {
			t.Errorf("not following: %q, %v", rel(dir, got), err)
		}
		_, err = collect(walkdir.Dir(t.Context(), dir, &walkdir.Options{Workers: workers, FollowSymlinks: true}))
		if !errors.Is(err, walkdir.ErrLoop) || !strings.Contains(err.Error(), ": walkdir: symbolic link loop") {
			t.Errorf("following, Workers=%d: %v, want ErrLoop, worded \"walkdir: symbolic link loop\"", workers, err)
		}
		var loops []string
		got, err = collect(walkdir.Dir(t.Context(), dir, &walkdir.Options{Workers: workers, FollowSymlinks: true,
			OnError: func(p string, err error) error { loops = append(loops, p); return nil }}))
		if want := []string{".", "a", "a/tob", "a/tob/y", "a/up", "a/x", "b", "b/y"}; err != nil || !slices.Equal(rel(dir, got), want) || len(loops) != 1 {
			t.Errorf("following, Workers=%d, continuing: %q, %v (loops %q); want %q", workers, rel(dir, got), err, loops, want)
		}
	}
}

func rel(dir string, ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i], _ = filepath.Rel(dir, p)
	}
	return out
}
