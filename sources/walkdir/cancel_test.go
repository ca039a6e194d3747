package walkdir_test

import (
	"context"
	"errors"
	"testing"

	"github.com/sluice-go/sluice/sources/walkdir"
)

// TestCanceledRead checks that a stat or a read cut short by a
// cancellation ends the walk with the cancellation, not with the error of
// the read, and not through OnError.
func TestCanceledRead(t *testing.T) {
	errCut := errors.New("read cut short")
	for _, tc := range []struct {
		trap string
		stat bool
		want []string
	}{
		{".", true, nil},
		{".", false, []string{"."}},
		{"a/b", false, []string{".", "a", "a/b"}},
	} {
		for _, f := range forms {
			ctx, cancel := context.WithCancel(t.Context())
			fsys := &trapFS{FS: fixture(), trap: tc.trap, stat: tc.stat, err: errCut, cancel: cancel}
			onError := func(string, error) error {
				t.Errorf("%s, trap %q: OnError called for a canceled read", f.name, tc.trap)
				return nil
			}
			got, err := f.run(ctx, fsys, ".", &walkdir.Options{OnError: onError})
			cancel()
			if !errors.Is(err, context.Canceled) || errors.Is(err, errCut) || len(got) > len(tc.want) {
				t.Errorf("%s, trap %q (stat %v): %q, %v; want at most %q, then context.Canceled alone", f.name, tc.trap, tc.stat, got, err, tc.want)
			}
		}
	}
}
