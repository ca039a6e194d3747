package walkdir_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/sources/walkdir"
)

// forms runs a test on All and on Stream, sequential and with workers:
// all four must give the same entries in the same order.
var forms = []struct {
	name string
	run  func(ctx context.Context, fsys fs.FS, root string, o *walkdir.Options) ([]string, error)
}{
	{"All", func(ctx context.Context, fsys fs.FS, root string, o *walkdir.Options) ([]string, error) {
		return collect(walkdir.All(ctx, fsys, root, o))
	}},
	{"All/Workers=3", func(ctx context.Context, fsys fs.FS, root string, o *walkdir.Options) ([]string, error) {
		o.Workers = 3
		return collect(walkdir.All(ctx, fsys, root, o))
	}},
	{"Stream", func(ctx context.Context, fsys fs.FS, root string, o *walkdir.Options) ([]string, error) {
		return collect(sluice.FromStream(walkdir.Stream(ctx, fsys, root, o, nil)))
	}},
	{"Stream/Workers=4", func(ctx context.Context, fsys fs.FS, root string, o *walkdir.Options) ([]string, error) {
		o.Workers = 4
		return collect(sluice.FromStream(walkdir.Stream(ctx, fsys, root, o, nil)))
	}},
}

func TestOrderMatchesWalkDir(t *testing.T) {
	for _, root := range []string{".", "a", "a/b", "c/h", "z.txt"} {
		want := paths(walkDirPaths(t, fixture(), root))
		for _, f := range forms {
			got, err := f.run(t.Context(), fixture(), root, &walkdir.Options{})
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("%s(%q) = %q, %v; want %q", f.name, root, got, err, want)
			}
		}
	}
}

func TestDepth(t *testing.T) {
	for e, err := range walkdir.All(t.Context(), fixture(), "a", nil) {
		if err != nil {
			t.Fatal(err)
		}
		if want := depth("a", e.Path); e.Depth != want {
			t.Errorf("%s: Depth = %d, want %d", e.Path, e.Depth, want)
		}
	}
}

func TestResumeEveryCursor(t *testing.T) {
	full := walkDirPaths(t, fixture(), ".")
	for i, e := range full {
		for _, f := range forms {
			got, err := f.run(t.Context(), fixture(), ".", &walkdir.Options{After: e.Cursor()})
			if want := paths(full[i+1:]); err != nil || !slices.Equal(got, want) {
				t.Errorf("%s after %q = %q, %v; want %q", f.name, e.Path, got, err, want)
			}
		}
	}
}

// TestResumePrunes checks that a resumed walk reads only the directories
// on the path to the cursor and those after it, never a subtree before.
func TestResumePrunes(t *testing.T) {
	for _, workers := range []int{0, 4} {
		c := &countFS{fsys: fixture()}
		o := &walkdir.Options{After: walkdir.Entry{Path: "b/g.txt"}.Cursor(), Workers: workers}
		got, err := collect(walkdir.All(t.Context(), c, ".", o))
		if want := []string{"c", "c/h", "c/h/i", "c/h/i/j", "c/h/i/j/k.txt", "c/l.txt", "z.txt"}; err != nil || !slices.Equal(got, want) {
			t.Fatalf("Workers=%d: got %q, %v; want %q", workers, got, err, want)
		}
		reads := c.readDirs()
		slices.Sort(reads)
		if want := []string{".", "b", "c", "c/h", "c/h/i", "c/h/i/j"}; !slices.Equal(reads, want) {
			t.Errorf("Workers=%d: directories read = %q, want %q", workers, reads, want)
		}
	}
}

// TestFilterPrunesReads checks that a directory the Filter leaves out is
// never read, with workers too: they read ahead only what the walk has
// filtered.
func TestFilterPrunesReads(t *testing.T) {
	for _, workers := range []int{0, 4} {
		c := &countFS{fsys: fixture()}
		o := &walkdir.Options{Filter: skipAt("a/b", fs.SkipDir), Workers: workers}
		for e, err := range walkdir.All(t.Context(), c, ".", o) {
			if err != nil {
				t.Fatal(err)
			}
			if e.Path == "a" && workers > 0 {
				// Hold the walk where the workers have "a" to read: give
				// a worker that would read ahead of the Filter the time
				// to read "a/b" too. Correct code never does, whatever
				// the time.
				for end := time.Now().Add(200 * time.Millisecond); time.Now().Before(end) && !slices.Contains(c.readDirs(), "a/b"); {
					time.Sleep(time.Millisecond)
				}
			}
		}
		reads := c.readDirs()
		slices.Sort(reads)
		if want := []string{".", "a", "b", "b/empty", "c", "c/h", "c/h/i", "c/h/i/j"}; !slices.Equal(reads, want) {
			t.Errorf("Workers=%d: directories read = %q, want %q", workers, reads, want)
		}
	}
}

func TestCursorOfDeletedEntry(t *testing.T) {
	got, err := collect(walkdir.All(t.Context(), fixture(), ".", &walkdir.Options{After: walkdir.Entry{Path: "a/b/cc"}.Cursor()}))
	if want := paths(walkDirPaths(t, fixture(), "."))[4:]; err != nil || !slices.Equal(got, want) {
		t.Errorf("after a deleted a/b/cc: %q, %v; want %q", got, err, want)
	}
}

func TestBadCursor(t *testing.T) {
	if got, want := walkdir.ErrBadCursor.Error(), "walkdir: bad cursor"; got != want {
		t.Errorf("ErrBadCursor = %q, want %q", got, want)
	}
	cases := []struct{ root, cursor string }{
		{".", "a/b"},        // no version
		{".", "v9:a/b"},     // unknown version
		{".", "v1:"},        // empty
		{".", "v1:../x"},    // not local
		{".", "v1:a//b"},    // not clean
		{".", "v1:/a"},      // absolute
		{"a", "v1:b/g.txt"}, // not under root
		{"a", "v1:ab/x"},    // a sibling sharing a prefix
		{".", "v1:a\x00b"},  // NUL
		{".", "v1:a/\xff"},  // not UTF-8, for an fs.FS
	}
	for _, c := range badCursors { // those of the conformance test
		cases = append(cases, struct{ root, cursor string }{".", c})
	}
	for _, tc := range cases {
		for _, f := range forms {
			got, err := f.run(t.Context(), fixture(), tc.root, &walkdir.Options{After: tc.cursor})
			if !errors.Is(err, walkdir.ErrBadCursor) || len(got) != 0 {
				t.Errorf("%s(%q, After: %q) = %q, %v; want ErrBadCursor and nothing", f.name, tc.root, tc.cursor, got, err)
				continue
			}
			if prefix := fmt.Sprintf("walkdir: bad cursor %q: ", tc.cursor); !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("%s(%q, After: %q): error %q, want it to begin %q", f.name, tc.root, tc.cursor, err, prefix)
			}
		}
	}
	ch, stop := walkdir.Stream(t.Context(), fixture(), ".", &walkdir.Options{After: "bogus"}, nil)
	if _, ok := <-ch; ok {
		t.Error("Stream with a bad cursor: channel not closed")
	}
	if err := stop(); !errors.Is(err, walkdir.ErrBadCursor) {
		t.Errorf("Stream with a bad cursor: stop() = %v, want ErrBadCursor", err)
	}
}

func TestBadInput(t *testing.T) {
	for _, f := range forms {
		got, err := f.run(t.Context(), fixture(), "nope", &walkdir.Options{})
		if !errors.Is(err, fs.ErrNotExist) || len(got) != 0 || !strings.HasPrefix(err.Error(), "walkdir: ") {
			t.Errorf("%s of a missing root = %q, %v; want one error wrapping fs.ErrNotExist", f.name, got, err)
		}
		if _, err := f.run(t.Context(), nil, ".", &walkdir.Options{}); err == nil {
			t.Errorf("%s of a nil fs.FS: no error", f.name)
		}
		if _, err := f.run(t.Context(), fixture(), ".", &walkdir.Options{MaxDepth: -1}); err == nil {
			t.Errorf("%s with MaxDepth -1: no error", f.name)
		}
	}
}

func TestFilterAndMaxDepth(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		opts walkdir.Options
		want string
		err  error
	}{
		{"SkipDir on a directory", walkdir.Options{Filter: skipAt("a/b", fs.SkipDir)},
			". a a/f.txt a.txt b b/empty b/g.txt c c/h c/h/i c/h/i/j c/h/i/j/k.txt c/l.txt z.txt", nil},
		{"SkipDir on a file", walkdir.Options{Filter: skipAt("a/b/c.txt", fs.SkipDir)},
			". a a/b a/f.txt a.txt b b/empty b/g.txt c c/h c/h/i c/h/i/j c/h/i/j/k.txt c/l.txt z.txt", nil},
		{"SkipDir on root", walkdir.Options{Filter: skipAt(".", fs.SkipDir)}, "", nil},
		{"SkipAll", walkdir.Options{Filter: skipAt("b", fs.SkipAll)}, ". a a/b a/b/c.txt a/b/d a/b/d/e.txt a/f.txt a.txt", nil},
		{"error", walkdir.Options{Filter: skipAt("b/g.txt", boom)}, ". a a/b a/b/c.txt a/b/d a/b/d/e.txt a/f.txt a.txt b b/empty", boom},
		{"Skip on a file", walkdir.Options{Filter: skipAt("a/b/c.txt", sluice.Skip)},
			". a a/b a/b/d a/b/d/e.txt a/f.txt a.txt b b/empty b/g.txt c c/h c/h/i c/h/i/j c/h/i/j/k.txt c/l.txt z.txt", nil},
		{"Skip on a directory", walkdir.Options{Filter: skipAt("a/b", sluice.Skip)},
			". a a/b/c.txt a/b/d a/b/d/e.txt a/f.txt a.txt b b/empty b/g.txt c c/h c/h/i c/h/i/j c/h/i/j/k.txt c/l.txt z.txt", nil},
		{"Skip on root", walkdir.Options{Filter: skipAt(".", sluice.Skip)},
			"a a/b a/b/c.txt a/b/d a/b/d/e.txt a/f.txt a.txt b b/empty b/g.txt c c/h c/h/i c/h/i/j c/h/i/j/k.txt c/l.txt z.txt", nil},
		{"Skip on the cursor's directory", walkdir.Options{Filter: skipAt("c/h", sluice.Skip), After: "v1:c/h/i"},
			"c/h/i/j c/h/i/j/k.txt c/l.txt z.txt", nil},
		{"Skip on a directory after the cursor", walkdir.Options{Filter: skipAt("c/h", sluice.Skip), After: "v1:b/g.txt"},
			"c c/h/i c/h/i/j c/h/i/j/k.txt c/l.txt z.txt", nil},
		{"MaxDepth=1", walkdir.Options{MaxDepth: 1}, ". a a.txt b c z.txt", nil},
		{"MaxDepth=2 after a/b", walkdir.Options{MaxDepth: 2, After: "v1:a/b"}, "a/f.txt a.txt b b/empty b/g.txt c c/h c/l.txt z.txt", nil},
	} {
		for _, f := range forms {
			o := tc.opts
			got, err := f.run(t.Context(), fixture(), ".", &o)
			if strings.Join(got, " ") != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("%s, %s:\n got %q, %v\nwant %q, %v", tc.name, f.name, strings.Join(got, " "), err, tc.want, tc.err)
			}
		}
	}
}

func skipAt(p string, err error) func(walkdir.Entry) error {
	return func(e walkdir.Entry) error {
		if e.Path == p {
			return err
		}
		return nil
	}
}

// TestOnError checks the policies for an unreadable directory, through an
// fs whose ReadDir of one directory fails with fs.ErrPermission.
func TestOnError(t *testing.T) {
	fsys := &trapFS{FS: fixture(), trap: "a/b", err: fs.ErrPermission}
	all := ". a a/b a/f.txt a.txt b b/empty b/g.txt c c/h c/h/i c/h/i/j c/h/i/j/k.txt c/l.txt z.txt"
	for _, tc := range []struct {
		name    string
		onError func(string, error) error
		want    string
		err     error
	}{
		{"default", nil, ". a a/b", fs.ErrPermission},
		{"continue", func(string, error) error { return nil }, all, nil},
		{"SkipDir", func(string, error) error { return fs.SkipDir }, all, nil},
		{"SkipAll", func(string, error) error { return fs.SkipAll }, ". a a/b", nil},
	} {
		for _, f := range forms {
			var seen []string
			o := &walkdir.Options{OnError: tc.onError}
			if tc.onError != nil {
				o.OnError = func(p string, err error) error {
					seen = append(seen, p)
					if !errors.Is(err, fs.ErrPermission) {
						t.Errorf("OnError(%q, %v): not the read error", p, err)
					}
					return tc.onError(p, err)
				}
			}
			got, err := f.run(t.Context(), fsys, ".", o)
			if strings.Join(got, " ") != tc.want || !errors.Is(err, tc.err) || (tc.onError != nil && !slices.Equal(seen, []string{"a/b"})) {
				t.Errorf("%s, %s: got %q, %v (OnError saw %q); want %q, %v", tc.name, f.name, got, err, seen, tc.want, tc.err)
			}
		}
	}
}

func TestReiterate(t *testing.T) {
	seq := walkdir.All(t.Context(), fstest.MapFS{"x": {}}, ".", nil)
	for range 2 {
		if got, err := collect(seq); err != nil || !slices.Equal(got, []string{".", "x"}) {
			t.Fatalf("got %q, %v", got, err)
		}
	}
}
