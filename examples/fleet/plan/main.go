// Plan plans a run of examples/fleet, copying the listing of an S3 bucket
// into a PostgreSQL table with a fleet of workers: it creates River's
// tables, rivershard's and the table, cuts the listing into shards and
// inserts one River job per shard, in one transaction. Planning a run
// again does nothing. With -status it prints how far the run has got.
//
//	go run ./examples/fleet/plan -dsn "$DATABASE_URL" -run logs-2025-06 -shards 64 s3://my-bucket/logs/
//	go run ./examples/fleet/plan -dsn "$DATABASE_URL" -run logs-2025-06 -status -wait s3://my-bucket/logs/
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := fleet.PlanCommand(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "plan: %v\n", err)
		os.Exit(1)
	}
}
