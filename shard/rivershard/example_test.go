package rivershard_test

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/sluice-go/sluice/shard/rivershard"
	"github.com/sluice-go/sluice/sinks/pgcopy"
	"github.com/sluice-go/sluice/sources/s3list"
)

// A fleet loads the listing of a bucket into a table: the same program
// plans the run, then works its jobs, as every other process running it
// does. Planning twice plans once, so each may try.
func Example() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	awscfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatal(err)
	}
	src, err := s3list.NewSharder(s3.NewFromConfig(awscfg), &s3.ListObjectsV2Input{Bucket: aws.String("logs")}, nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := rivershard.Migrate(ctx, pool, nil); err != nil {
		log.Fatal(err)
	}

	// The worker: the run's source and sink, registered before River starts.
	w, err := rivershard.NewWorker(pool, nil)
	if err != nil {
		log.Fatal(err)
	}
	sink := &pgcopy.Sink[s3list.Entry]{
		Table:   pgx.Identifier{"objects"},
		Columns: []string{"key", "size"},
		Row:     func(e s3list.Entry) ([]any, error) { return []any{e.Key(), aws.ToInt64(e.Object.Size)}, nil },
	}
	if err := rivershard.Register(w, "logs-2025-06", src, rivershard.PGCopy(sink)); err != nil {
		log.Fatal(err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Workers:              workers,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		JobTimeout:           time.Minute,
		RescueStuckJobsAfter: 2 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}

	// The plan: one job per shard, committed together.
	tx, err := pool.Begin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := rivershard.Plan(ctx, tx, client, "logs-2025-06", src, 64, nil); err != nil {
		log.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err)
	}

	if err := client.Start(ctx); err != nil {
		log.Fatal(err)
	}
	for {
		p, err := rivershard.Status(ctx, pool, "logs-2025-06", nil)
		if err != nil {
			log.Fatal(err)
		}
		if p.Finished() {
			break
		}
		time.Sleep(5 * time.Second)
	}
	if err := client.Stop(ctx); err != nil {
		log.Fatal(err)
	}
}
