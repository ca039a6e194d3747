package watch_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluice-go/sluice/sources/watch"
)

func ExampleStream() {
	root, _ := os.MkdirTemp("", "watch")
	defer os.RemoveAll(root)
	events, stop := watch.Stream(context.Background(), root, nil, nil)
	defer stop()

	// The watches are in place: this is reported.
	os.MkdirAll(filepath.Join(root, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(root, "a", "b", "f.txt"), nil, 0o644)

	for e := range events {
		rel, _ := filepath.Rel(root, e.Path)
		fmt.Println(e.Op, filepath.ToSlash(rel))
		if e.Op == watch.Rescan || filepath.Base(e.Path) == "f.txt" {
			break
		}
	}
	// Output:
	// CREATE a
	// CREATE a/b
	// CREATE a/b/f.txt
}
