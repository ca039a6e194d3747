package checkpoint_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/sluice-go/sluice/checkpoint"
)

func ExampleFileStore() {
	dir, err := os.MkdirTemp("", "checkpoint-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	store, err := checkpoint.NewFile(dir)
	if err != nil {
		log.Fatal(err)
	}

	// Nothing saved yet: start from the beginning.
	cursor, err := store.Load(ctx, "orders")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("start after %q\n", cursor)

	// After making values durable, record the cursor of the last of them.
	if err := store.Save(ctx, "orders", "2026/11/orders-0042.json"); err != nil {
		log.Fatal(err)
	}

	// On restart, resume after it.
	cursor, err = store.Load(ctx, "orders")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("resume after %q\n", cursor)
	// Output:
	// start after ""
	// resume after "2026/11/orders-0042.json"
}

func ExampleNewFile_missingDirectory() {
	_, err := checkpoint.NewFile("/nonexistent/checkpoints")
	fmt.Println(err)
	// Output:
	// checkpoint: directory /nonexistent/checkpoints: stat /nonexistent/checkpoints: no such file or directory
}

func ExampleFileStore_Load_corrupt() {
	dir, err := os.MkdirTemp("", "checkpoint-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	store, err := checkpoint.NewFile(dir)
	if err != nil {
		log.Fatal(err)
	}
	// A file that is not a checkpoint is an error, never "start from the beginning".
	if err := os.WriteFile(dir+"/orders", []byte("garbage"), 0o600); err != nil {
		log.Fatal(err)
	}
	_, err = store.Load(context.Background(), "orders")
	fmt.Println(errors.Is(err, checkpoint.ErrCorrupt))
	// Output:
	// true
}
