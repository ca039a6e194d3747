package walkdir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluice-go/sluice/sources/walkdir"
)

// exampleTree makes, in a temporary directory, the tree of exampleFS.
func exampleTree() (string, error) {
	root, err := os.MkdirTemp("", "walkdir-example")
	if err != nil {
		return "", err
	}
	for name := range exampleFS {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return root, err
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			return root, err
		}
	}
	return root, nil
}

// A tree cut into three shards, each read on its own, as three workers
// would. The third shard is split while it runs: its reader gives away
// what it has not read, which a fourth worker would read.
func ExampleSharder() {
	ctx := context.Background()
	root, err := exampleTree()
	defer os.RemoveAll(root)
	if err != nil {
		fmt.Println(err)
		return
	}
	s, err := walkdir.NewSharder(root, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	shards, err := s.Split(ctx, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, sh := range shards {
		fmt.Printf("[%q, %q):", sh.Start, sh.End)
		r, err := s.Open(sh) // sh.String() is what a job queue carries
		if err != nil {
			fmt.Println(err)
			return
		}
		for e, err := range r.All(ctx) {
			if err != nil {
				fmt.Println(err)
				return
			}
			rel, _ := filepath.Rel(root, e.Path)
			fmt.Print(" ", filepath.ToSlash(rel))
			if rel == "main.go" {
				rest, err := r.Split(ctx, 0) // from another goroutine, in a scheduler
				if err != nil {
					fmt.Println(err)
					return
				}
				fmt.Printf(" (gave away [%q, %q))", rest.Start, rest.End)
			}
		}
		fmt.Println()
	}
	// Output:
	// ["", "docs/img/a.png"): . docs docs/guide.md docs/img
	// ["docs/img/a.png", "main.go"): docs/img/a.png internal internal/util.go
	// ["main.go", ""): main.go (gave away ["vendor", ""))
}
