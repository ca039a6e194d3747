package walkdir

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/sluice-go/sluice"
)

// TestUntypedEntries runs the lstat of readOS that an entry the system
// did not type (DT_UNKNOWN) needs, for real: a hook makes every entry of
// every directory untyped as it is listed, and the walk must be the one
// of the typed listing, entry for entry, described the same way, with
// and without workers, following symbolic links or not, iterator and
// channel. One file is removed as it is listed, as if it vanished between
// the getdents and the lstat: the walk drops it, as os.ReadDir does.
func TestUntypedEntries(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "d", "e"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "d", "f.txt"), []byte("hello"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "d", "e", "deep.txt"), nil, 0o644))
	must(os.Symlink("d", filepath.Join(dir, "link")))
	must(os.Symlink("d/f.txt", filepath.Join(dir, "flink")))
	must(os.Symlink("nowhere", filepath.Join(dir, "dangling")))
	must(syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644))
	// More entries than one getdents buffer holds, with a subdirectory
	// among them.
	must(os.MkdirAll(filepath.Join(dir, "big", "sub350"), 0o755))
	for i := range 700 {
		if i != 350 {
			must(os.WriteFile(filepath.Join(dir, "big", fmt.Sprintf("file%03d", i)), nil, 0o644))
		}
	}
	gone := filepath.Join(dir, "d", "gone.txt")

	// walk returns each entry of the walk described, or the error that
	// ended it.
	walk := func(root string, opts *Options, stream bool) ([]string, error) {
		seq := Dir(context.Background(), root, opts)
		if stream {
			seq = sluice.FromStream(DirStream(context.Background(), root, opts, nil))
		}
		var out []string
		for e, err := range seq {
			if err != nil {
				return out, err
			}
			out = append(out, e.Path+": "+describeEntry(e.DirEntry))
		}
		return out, nil
	}
	for _, root := range []string{dir, dir + "/."} { // a clean root, and one that is joined
		for _, opts := range []Options{{}, {Workers: 4}, {FollowSymlinks: true}, {FollowSymlinks: true, Workers: 4}} {
			for _, stream := range []bool{false, true} {
				name := fmt.Sprintf("root=%s/Workers=%d/Follow=%v/stream=%v", filepath.Base(root), opts.Workers, opts.FollowSymlinks, stream)
				must(os.WriteFile(gone, nil, 0o644))
				// gone.txt is listed once, or twice when FollowSymlinks
				// walks d through link too: removed the first time.
				var listed, goneListed, removed atomic.Int64
				testDirentType = func(p string, typ byte) byte {
					if filepath.Base(p) != "gone.txt" {
						listed.Add(1)
					} else if goneListed.Add(1); os.Remove(gone) == nil {
						removed.Add(1)
					}
					return syscall.DT_UNKNOWN
				}
				got, err := walk(root, &opts, stream)
				testDirentType = nil
				if err != nil {
					t.Fatalf("%s: untyped: %v", name, err)
				}
				want, err := walk(root, &opts, stream) // gone.txt is gone
				if err != nil {
					t.Fatalf("%s: typed: %v", name, err)
				}
				if removed.Load() != 1 {
					t.Fatalf("%s: gone.txt was removed %d times as it was listed, want once", name, removed.Load())
				}
				// Every entry but root was listed.
				if n := listed.Load(); n != int64(len(want)-1) || goneListed.Load() == 0 {
					t.Errorf("%s: the hook saw %d entries listed and gone.txt %d times, want %d and at least once", name, n, goneListed.Load(), len(want)-1)
				}
				if !slices.Equal(got, want) {
					for i := range max(len(got), len(want)) {
						var g, w string
						if i < len(got) {
							g = got[i]
						}
						if i < len(want) {
							w = want[i]
						}
						if g != w {
							t.Errorf("%s: %d entries, want %d; first difference at %d:\n got %s\nwant %s", name, len(got), len(want), i, g, w)
							break
						}
					}
				}
			}
		}
	}
}

// describeEntry returns all that a fs.DirEntry tells of itself.
func describeEntry(d fs.DirEntry) string {
	s := fmt.Sprintf("%s name=%q dir=%v type=%v", d, d.Name(), d.IsDir(), d.Type())
	info, err := d.Info()
	if err != nil {
		return s + " info error: " + err.Error()
	}
	return s + fmt.Sprintf(" info=%q %v %d", info.Name(), info.Mode(), info.Size())
}
