// Package rivershard runs the shards of a source (package shard) as jobs
// of River (github.com/riverqueue/river), a job queue kept in PostgreSQL,
// on a fleet of worker processes: each shard is read by one worker at a
// time, resumed after its last committed cursor when its worker dies, and
// split while it runs so that a slow shard is spread over more workers.
//
// It compiles River (github.com/riverqueue/river, its riverdriver,
// riverpgxv5, rivermigrate, rivershared and rivertype modules, which
// require github.com/tidwall/gjson and sjson) and pgx; only programs that
// import it do. River is licensed under the MPL-2.0; rivershard uses it
// unmodified.
//
// A run is a named copy of one source into one sink. A planner plans it
// once; the workers, any number of processes on any number of machines,
// each with a River client on the same database, work its jobs:
//
//	// Once, at deployment: River's tables and rivershard's.
//	err := rivershard.Migrate(ctx, pool, nil)
//
//	// The planner: one job per shard, in one transaction.
//	tx, err := pool.Begin(ctx)
//	n, err := rivershard.Plan(ctx, tx, insertOnly, "orders-2025-06", src, 64, nil)
//	err = tx.Commit(ctx)
//
//	// Each worker process.
//	w, err := rivershard.NewWorker(pool, nil)
//	err = rivershard.Register(w, "orders-2025-06", src, rivershard.PGCopy(&pgcopy.Sink[sqlrows.Row[Order]]{…}))
//	workers := river.NewWorkers()
//	river.AddWorker(workers, w)
//	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
//		Workers:              workers,
//		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
//		JobTimeout:           time.Minute,
//		RescueStuckJobsAfter: 2 * time.Minute,
//	})
//	err = client.Start(ctx)
//
//	// Anyone: how far the run has got.
//	p, err := rivershard.Status(ctx, pool, "orders-2025-06", nil)
//
// # Planning
//
// [Plan] splits the source into up to n shards and inserts one job per
// shard (kind [Kind], arguments [Args]: the run and the shard) with River's
// InsertManyTx, in the caller's transaction, together with a row for the
// run and one per shard in rivershard's tables. Planning a run twice
// plans it once: the run's row, inserted first, decides (see Plan for why
// River's unique jobs would not do). Choose n a few times the number of
// jobs the fleet works at once, so that shards of uneven sizes even out.
//
// # Working
//
// Each job is worked in attempts. An attempt loads its shard as it now
// stands (its End as the last split narrowed it, the cursor of its last
// committed batch), opens it on the run's source ([Register]), writes its
// values into the run's sink, and completes the job when the shard is read
// to its End. An attempt ends on its own at three quarters of the job's
// timeout (River's JobTimeout, 1 minute by default, or the worker's
// Timeout): it stops reading at a value's boundary, commits what it has
// read, and snoozes its job (River's JobSnooze(0): at once available
// again, without counting an attempt), so that no attempt runs into
// River's timeout, which would cancel its batch in progress and count a
// failed attempt. A job without a timeout (JobTimeout -1) is refused: River
// would never rescue it from a dead worker. Choose a timeout well above
// the time an attempt takes to its first committed batch (opening the
// shard, its first pages, a batch of the sink's rows): an attempt that
// stops at three quarters of it before committing one has made no
// progress, and its job is snoozed and begun again, over and over. On a
// loaded machine of two cores, 4 s was too short for batches of 5,000
// rows; a minute leaves a wide margin.
//
// Every commit of an attempt first locks its job's row in river_job (with
// River's Client.JobUpdateTx, which selects it FOR UPDATE) and checks that
// River still counts the attempt as the job's running one: same attempt
// number and start, state running. A job that River rescued from a worker
// it believed dead (see below) may already be worked by another attempt;
// the old attempt, should it still be alive, commits nothing more, and
// ends with an error. The lock makes the check hold until the commit: the
// rescue, and the next attempt's fetch, update that row, so they come
// wholly before the commit or after it.
//
// # Exactly once: PostgreSQL
//
// With a [PGCopy] sink (package pgcopy), each batch of a shard commits in
// one transaction: its rows, the shard's cursor (pgstore's SaveTx, under
// the name "<run>/<job ID>" in the table sluice_shard_cursors), the check
// above, and, for the shard's last batch, the job's completion (River's
// JobCompleteTx) with the shard's row marked done. A worker killed at any
// instant leaves the table holding exactly the rows of the batches
// committed, each with its cursor; the job's next attempt resumes after
// that cursor, so that every row of the shard is written once. The job
// completes only with the shard's last rows, never before them and never
// without them. (When the shard ends exactly at a batch's end, pgcopy
// has committed that batch before it learns that the stream has ended,
// and the completion commits in a transaction of its own after it.)
//
// Exactly once holds per shard, and so per run, as far as the source's
// shards cover it exactly (no gap, no overlap, a reader resumes strictly
// after a cursor: what package shard asks of every source) and the source
// does not change during the run. The sink's table must be in the
// database of the worker's pool.
//
// # At least once: S3, files
//
// With a [Checkpointed] sink (an s3sink.Objects, files written by the
// program), the sink makes values durable and then saves the cursor of
// the last of them: a worker that dies between the two leaves values that
// its cursor does not cover, which the next attempt writes again. Nothing
// is lost; a value may be written more than once, so the writes must be
// idempotent (an object or file named after the value, an upsert). The
// cursor's saves and the completion are checked as above.
//
// # Splitting
//
// Every Options.SplitAfter (30 seconds by default) that an attempt has
// run, it splits its shard (the reader's Split, keeping half of what it has
// not read) and commits, in one transaction, the shard's narrowed End and
// a new job for the residual, in the same queue, with "parent" in its
// arguments: river_job shows which job each was split from. It does so
// only when no job of its kind waits in the queue (a waiting job means
// that no worker is idle, and the residual would only wait too), and
// only once its reader has yielded a value in the attempt (a reader that
// has not begun knows nothing of what it has left, and may give all of
// it away: a shard whose first values come slowly would be handed from
// job to job and never read). The split
// and the batches never cross: the reader stops exactly at the split point
// (what shard.Reader's Split promises), every batch after the split holds
// only rows before it, and the job completes only after a split that
// narrowed its reader has committed. When that commit fails, the attempt
// stops and ends with an error, without completing: the next attempt
// reads to the End that committed. A retry of the job, after its worker
// died, reads to the narrowed End, since the End commits with the
// residual's job.
//
// # Dead workers
//
// River retries the job of a dead worker when its leader's rescuer finds
// the job stuck (internal/maintenance/job_rescuer.go): running for longer
// than Config.RescueStuckJobsAfter (1 hour by default, or JobTimeout plus
// 1 hour when JobTimeout is longer than 1 hour; River requires it to be at
// least JobTimeout) since its attempt began, and for at least its timeout.
// The rescuer looks every 30 seconds (JobRescuerIntervalDefault, not
// configurable), only on the leader; when the dead worker was the leader,
// another client is elected once its lease expires (about 15 seconds,
// internal/leadership) and looks within a second. The rescuer makes the job
// retryable at the time the retry policy says (Config.RetryPolicy; River's
// default waits (errors+1)⁴ seconds, ±10%: 1 second after the first
// error, 16 after the second, 81 after the third), River's scheduler
// makes it available when that time has come (it runs every 5 seconds),
// and a worker fetches it (at once, or within Config.FetchPollInterval, 1
// second by default). So a dead worker's shard waits RescueStuckJobsAfter
// after its attempt began, plus up to 30 seconds, plus the retry delay,
// plus a few seconds: about an hour and a half-minute with River's
// defaults. The shard loses nothing meanwhile, only time: set
// RescueStuckJobsAfter a little above JobTimeout (an attempt never runs
// longer, see Working), such as a JobTimeout of 1 minute and a
// RescueStuckJobsAfter of 2 minutes.
//
// A rescue counts an attempt, as a failed attempt does: a job that fails
// or is rescued Config.MaxAttempts times (25 by default) is discarded,
// and [Status] reports it as Failed. Retry it with River's Client.JobRetry
// once the cause is fixed: it resumes after its cursor.
//
// # Tables
//
// [Migrate] creates River's tables (rivermigrate) and rivershard's, in
// Options.Schema: sluice_shard_runs (a row per run), sluice_shards (a row
// per shard job: its run, its parent, its shard as it now stands, when it
// was done; this row outlives River's job, which River deletes a day after
// it completes by default) and sluice_shard_cursors (pgstore's table of
// cursors).
//
// # Connections
//
// An attempt holds one connection of the worker's pool for its batch in
// progress, and briefly another when it splits or completes; a source on
// the same pool (a keyset scan) holds its own. Give the pool River's few
// connections plus twice the jobs the client works at once, or give the
// source a pool of its own.
package rivershard
