package walkdir_test

import (
	"context"
	"fmt"
	"io/fs"
	"testing/fstest"

	"github.com/sluice-go/sluice/sources/walkdir"
)

var exampleFS = fstest.MapFS{
	"docs/guide.md":    {},
	"docs/img/a.png":   {},
	"main.go":          {},
	"vendor/x/x.go":    {},
	"internal/util.go": {},
}

func ExampleAll() {
	for e, err := range walkdir.All(context.Background(), exampleFS, ".", nil) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(e.Depth, e.Path, e.IsDir())
	}
	// Output:
	// 0 . true
	// 1 docs true
	// 2 docs/guide.md false
	// 2 docs/img true
	// 3 docs/img/a.png false
	// 1 internal true
	// 2 internal/util.go false
	// 1 main.go false
	// 1 vendor true
	// 2 vendor/x true
	// 3 vendor/x/x.go false
}

// A walk resumed from the cursor of the last entry handled continues
// strictly after it, without reading the directories before it.
func ExampleOptions_after() {
	ctx := context.Background()
	var saved string
	for e, err := range walkdir.All(ctx, exampleFS, ".", nil) {
		if err != nil {
			return
		}
		saved = e.Cursor()
		if e.Path == "docs/img" {
			break // say the process stopped here
		}
	}
	for e, err := range walkdir.All(ctx, exampleFS, ".", &walkdir.Options{After: saved}) {
		if err != nil {
			return
		}
		fmt.Println(e.Path)
	}
	// Output:
	// docs/img/a.png
	// internal
	// internal/util.go
	// main.go
	// vendor
	// vendor/x
	// vendor/x/x.go
}

// Filter prunes a subtree before it is read.
func ExampleOptions_filter() {
	opts := &walkdir.Options{Filter: func(e walkdir.Entry) error {
		if e.IsDir() && e.Name() == "vendor" {
			return fs.SkipDir
		}
		return nil
	}}
	for e, err := range walkdir.All(context.Background(), exampleFS, ".", opts) {
		if err != nil {
			return
		}
		if !e.IsDir() {
			fmt.Println(e.Path)
		}
	}
	// Output:
	// docs/guide.md
	// docs/img/a.png
	// internal/util.go
	// main.go
}

// Stream reads directories ahead on several goroutines and still sends
// the entries in the order of All.
func ExampleStream() {
	entries, stop := walkdir.Stream(context.Background(), exampleFS, "docs", &walkdir.Options{Workers: 4}, nil)
	defer stop()
	for e := range entries {
		fmt.Println(e.Path)
	}
	if err := stop(); err != nil {
		fmt.Println("error:", err)
	}
	// Output:
	// docs
	// docs/guide.md
	// docs/img
	// docs/img/a.png
}
