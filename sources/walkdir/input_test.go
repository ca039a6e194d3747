package walkdir_test

import (
	"io/fs"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/sluice-go/sluice/sources/walkdir"
)

// openCountFS counts the calls to Open: a walk that checks its arguments
// before any I/O opens nothing when they are invalid.
type openCountFS struct {
	fs.FS
	opens atomic.Int64
}

func (c *openCountFS) Open(name string) (fs.File, error) {
	c.opens.Add(1)
	return c.FS.Open(name)
}

// TestInvalidInput checks that every form refuses invalid arguments when
// it is called, before any I/O, with one error that names the package and
// the problem: the iterator as its only pair, the channel form with a
// channel already closed when it returns.
func TestInvalidInput(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing") // read, it would fail otherwise
	for _, tc := range []struct {
		name  string
		nilFS bool
		opts  walkdir.Options
		want  string
	}{
		{"MaxDepth", false, walkdir.Options{MaxDepth: -1}, "walkdir: Options.MaxDepth is -1; want 0 or more"},
		{"Workers", false, walkdir.Options{Workers: -2}, "walkdir: Options.Workers is -2; want 0 or more"},
		{"After", false, walkdir.Options{After: "v2:a"}, `walkdir: bad cursor "v2:a": not a v1 cursor`},
		{"nil fs.FS", true, walkdir.Options{}, "walkdir: nil fs.FS"},
	} {
		fsys := &openCountFS{FS: fixture()}
		var arg fs.FS = fsys
		if tc.nilFS {
			arg = nil
		}
		check := func(form string, got []string, err error) {
			t.Helper()
			if err == nil || err.Error() != tc.want || len(got) != 0 {
				t.Errorf("%s, %s: %q, %v; want nothing and %q", tc.name, form, got, err, tc.want)
			}
		}
		o := tc.opts
		got, err := collect(walkdir.All(t.Context(), arg, ".", &o))
		check("All", got, err)
		ch, stop := walkdir.Stream(t.Context(), arg, ".", &o, nil)
		got, err = closedAtOnce(t, ch, stop)
		check("Stream", got, err)
		if n := fsys.opens.Load(); n != 0 {
			t.Errorf("%s: %d calls to Open, want none", tc.name, n)
		}
		if tc.nilFS {
			continue
		}
		got, err = collect(walkdir.Dir(t.Context(), missing, &o))
		check("Dir", got, err)
		ch, stop = walkdir.DirStream(t.Context(), missing, &o, nil)
		got, err = closedAtOnce(t, ch, stop)
		check("DirStream", got, err)
	}
}

// closedAtOnce returns what ch holds, which must be closed already, and
// what stop returns.
func closedAtOnce(t *testing.T, ch <-chan walkdir.Entry, stop func() error) ([]string, error) {
	t.Helper()
	var got []string
	for {
		select {
		case e, ok := <-ch:
			if ok {
				got = append(got, e.Path)
				continue
			}
		default:
			t.Error("the channel of invalid arguments was not closed when the channel form returned")
		}
		return got, stop()
	}
}

// TestOptionsCopied checks that the options are read when All is called:
// a later change does not reach the walk, nor make it fail.
func TestOptionsCopied(t *testing.T) {
	o := &walkdir.Options{MaxDepth: 1}
	seq := walkdir.All(t.Context(), fixture(), ".", o)
	o.MaxDepth, o.After = -1, "bogus"
	got, err := collect(seq)
	if want := []string{".", "a", "a.txt", "b", "c", "z.txt"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("got %q, %v; want %q: the options as they were at the call", got, err, want)
	}
}
