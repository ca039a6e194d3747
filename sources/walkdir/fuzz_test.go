package walkdir_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/sluice-go/sluice/sources/walkdir"
)

// FuzzCursor feeds arbitrary cursors to After. A cursor must either be
// rejected with ErrBadCursor and nothing else, or resume the walk at
// exactly the entries that come after its path in walk order, whether
// or not that path exists.
func FuzzCursor(f *testing.F) {
	for _, c := range []string{"v1:a/b", "v1:.", "v1:a.txt", "v1:zz", "v1:a/b/d/e.txt/x", "v1:", "a", "v1:../a", "v1:a//b", "v1:c/h/i/j/k.txt"} {
		f.Add(c, ".")
	}
	f.Add("v1:a/b/c.txt", "a")
	f.Add("v1:a", "a")
	f.Fuzz(func(t *testing.T, cursor, root string) {
		if root != "." && root != "a" && root != "c/h" {
			root = "."
		}
		full := paths(walkDirPaths(t, fixture(), root))
		got, err := collect(walkdir.All(t.Context(), fixture(), root, &walkdir.Options{After: cursor}))
		if err != nil {
			if !errors.Is(err, walkdir.ErrBadCursor) || len(got) != 0 {
				t.Fatalf("After %q: %q, %v", cursor, got, err)
			}
			return
		}
		p := strings.TrimPrefix(cursor, "v1:")
		var want []string
		for _, q := range full {
			if cursor == "" || walkOrder(q, p, root) > 0 { // "": no After
				want = append(want, q)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("After %q from %q: %q, want %q", cursor, root, got, want)
		}
	})
}

// walkOrder compares two paths under root as a walk orders them: name by
// name, a directory before what it holds.
func walkOrder(a, b, root string) int {
	split := func(p string) []string {
		if p == root {
			return nil
		}
		if root != "." {
			p = strings.TrimPrefix(p, root+"/")
		}
		return strings.Split(p, "/")
	}
	return slices.Compare(split(a), split(b))
}
