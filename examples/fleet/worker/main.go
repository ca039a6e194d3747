// Worker works the jobs of a run of examples/fleet, which copies the
// listing of an S3 bucket into a PostgreSQL table: each job is a shard of
// the listing (a range of keys), written into the table exactly once.
// Start as many as you like, on as many machines, with the same -run and
// definition as the planner; stop them at will. An interrupt or SIGTERM
// stops it gracefully (the jobs in progress commit and go on elsewhere);
// a second one kills it, and its jobs then wait as a dead worker's do.
//
//	go run ./examples/fleet/worker -dsn "$DATABASE_URL" -run logs-2025-06 -concurrency 4 s3://my-bucket/logs/
//
// See package github.com/sluice-go/sluice/examples/fleet for the flags,
// and examples/fleet/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sluice-go/sluice/examples/fleet"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		cancel()
		// The next signal kills the process, as if no handler were set.
		signal.Reset(os.Interrupt, syscall.SIGTERM)
	}()
	err := fleet.WorkerCommand(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "worker: %v\n", err)
		os.Exit(1)
	}
}
