package scanner_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sluice-go/sluice/shard"
	"github.com/sluice-go/sluice/sources/scanner"
)

// tempFile writes data to a new file, for the examples; remove its
// directory when done.
func tempFile(data string) (path string, dir string) {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	path = filepath.Join(dir, "events.log")
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		panic(err)
	}
	return path, dir
}

// Split plans the work; each shard, opened by a worker, reads its lines
// with the offsets and line numbers of the whole file.
func ExampleFileSharder() {
	path, dir := tempFile("alpha\nbeta\ngamma\ndelta\nepsilon\nzeta\n")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	fs, err := scanner.NewFileSharder(path, nil)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	shards, err := fs.Split(ctx, 3) // cuts at 12 and 24, moved to line starts
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	for _, sh := range shards { // sh.String() would go in a job queue
		r, err := fs.Open(sh)
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("[%q, %q)\n", sh.Start, sh.End)
		for tok, err := range r.All(ctx) {
			if err != nil {
				fmt.Println("error:", err)
				return
			}
			fmt.Printf("\tline %d at %d: %s\n", tok.Line, tok.Offset, tok.Bytes)
		}
	}
	// Output:
	// ["", "17:4")
	// 	line 1 at 0: alpha
	// 	line 2 at 6: beta
	// 	line 3 at 11: gamma
	// ["17:4", "31:6")
	// 	line 4 at 17: delta
	// 	line 5 at 23: epsilon
	// ["31:6", "")
	// 	line 6 at 31: zeta
}

// A running shard gives away what it has not read: it stops exactly where
// the new shard begins.
func ExampleFileSharder_split() {
	path, dir := tempFile("alpha\nbeta\ngamma\ndelta\nepsilon\nzeta\n")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	fs, _ := scanner.NewFileSharder(path, nil)
	shards, _ := fs.Split(ctx, 1)
	r, _ := fs.Open(shards[0])
	var rest shard.Shard
	for tok, err := range r.All(ctx) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println("read", tok.Text())
		if tok.Text() == "beta" {
			// Usually from another goroutine, when the shard runs long.
			rest, err = r.Split(ctx, 0.5) // keep about half of the rest
			if err != nil {
				fmt.Println("error:", err)
				return
			}
		}
	}
	fmt.Printf("given away [%q, %q)\n", rest.Start, rest.End)
	more, _ := fs.Open(rest)
	for tok, err := range more.All(ctx) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println("another worker read", tok.Text(), "on line", tok.Line)
	}
	// Output:
	// read alpha
	// read beta
	// read gamma
	// read delta
	// given away ["23:5", "")
	// another worker read epsilon on line 5
	// another worker read zeta on line 6
}
