// Package fleet is the run of examples/fleet, shared by its two commands:
// copy the listing of an S3 bucket (each object's key, size, ETag and
// last-modified time) into a PostgreSQL table, exactly once, with a fleet
// of worker processes on any number of machines. The listing is cut into
// key ranges (s3list's Sharder), each range is a job of River
// (github.com/riverqueue/river), a job queue kept in the same PostgreSQL,
// and each worker writes the ranges it is given into the table with COPY
// (package shard/rivershard, with a pgcopy sink).
//
// The commands, examples/fleet/plan and examples/fleet/worker, are thin
// mains over [PlanCommand] and [WorkerCommand]:
//
//	# once: River's tables, the table, and one job per shard
//	go run ./examples/fleet/plan -dsn "$DATABASE_URL" -run logs-2025-06 -shards 64 s3://my-bucket/logs/
//	# on every machine, as many as you like, started and stopped at will
//	go run ./examples/fleet/worker -dsn "$DATABASE_URL" -run logs-2025-06 -concurrency 4 s3://my-bucket/logs/
//	# anywhere: how far the run has got
//	go run ./examples/fleet/plan -dsn "$DATABASE_URL" -run logs-2025-06 -status s3://my-bucket/logs/
//
// The flags both take:
//
//	-dsn DSN          PostgreSQL connection string (default $DATABASE_URL, else the PG* variables)
//	-run NAME         the run's name, the same for the planner and every worker; also its
//	                  River queue: at most 64 lower-case letters and digits, separated
//	                  by single '_' or '-' (required)
//	-bucket NAME      the bucket to list (or give s3://bucket/prefix as the argument)
//	-prefix P         list only the keys that begin with P
//	-table T          the table to load, "schema.table" or "table" (default s3_objects)
//	-endpoint URL     the S3 endpoint (default: AWS's, or $AWS_ENDPOINT_URL)
//	-region R         the region (default: $AWS_REGION or the shared configuration, else us-east-1)
//	-path-style       address buckets as http://host/bucket (most S3 servers other than AWS)
//	-page N           keys per ListObjectsV2 request, 1 to 1000 (default 1000)
//	-s3-delay D       add D to every S3 request, to measure against a nearby server
//	                  as if it were far away (default 0)
//
// The planner's own:
//
//	-shards N         cut the listing into up to N shards, one job each (default 64)
//	-status           print the run's progress instead of planning it
//	-wait             with -status: print it every second until the run is finished
//
// The worker's own:
//
//	-concurrency N    shard jobs worked at once by this process (default 4)
//	-batch N          rows per transaction (default 5000)
//	-job-timeout D    River's JobTimeout: an attempt at a shard ends at 3/4 of it
//	                  and the shard goes on in a new attempt (default 1m)
//	-rescue-after D   River's RescueStuckJobsAfter: how long after its attempt
//	                  began a dead worker's shard is given to another (default 2m)
//	-split-after D    split off half of what a shard has left after it has run
//	                  this long, when no job waits (default 30s; negative: never)
//	-exit             exit once the run is finished, rather than serve until stopped
//
// Credentials come from the AWS SDK's default chain: $AWS_ACCESS_KEY_ID
// and $AWS_SECRET_ACCESS_KEY, the shared configuration and credentials
// files, and the rest.
//
// The planner creates River's tables and rivershard's (rivershard.Migrate)
// and the table, if they do not exist:
//
//	CREATE TABLE s3_objects (key text NOT NULL, size bigint, etag text, last_modified timestamptz)
//
// It has no unique constraint: exactly once is what keeps each key once.
// See README.md for what exactly once rests on, what happens when a
// worker dies, and how a long shard is split.
package fleet
