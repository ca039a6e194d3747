package rivershard

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/sluice-go/sluice/shard"
)

// Plan plans run: it splits src into up to n shards (src's Split) and
// inserts one job per shard into River, through client, in tx, with a
// row for the run and one for each shard in rivershard's tables (see
// [Migrate]). Nothing is planned until the caller commits tx; then the
// workers registered for run (see [Register]) work the jobs.
//
// Plan is idempotent: a run that is planned already, by a transaction
// committed before or one that commits while tx waits for it, is not
// planned again, and Plan returns 0 and a nil error. Otherwise it returns
// the number of jobs inserted. A second Split would not do, even if its
// shards were made unique in River (UniqueOpts): a source's Split may cut
// elsewhere the second time (a table's statistics, a bucket's keys have
// changed), and its shards would overlap the first's; and River forgets a
// unique job once it deletes it, a day after it completes by default. So
// the run's row, inserted first in tx (INSERT … ON CONFLICT DO NOTHING),
// decides: a second Plan of the run waits on the first's row, and finds
// it.
//
// Split runs while tx is open, so that nothing is inserted for a run that
// fails to split; it may send requests to the source. client may be an
// insert-only River client (no Queues, no Workers), and must use the
// riverpgxv5 driver, on the database of tx. The schema of opts must be
// River's (Config.Schema) and rivershard's.
func Plan[V any](ctx context.Context, tx pgx.Tx, client *river.Client[pgx.Tx], run string, src shard.Source[V], n int, opts *Options) (int, error) {
	c, err := newConfig(opts)
	if err != nil {
		return 0, err
	}
	switch {
	case tx == nil:
		return 0, errors.New("rivershard: Plan with a nil tx")
	case client == nil:
		return 0, errors.New("rivershard: Plan with a nil client")
	case src == nil:
		return 0, errors.New("rivershard: Plan with a nil source")
	case n < 1:
		return 0, fmt.Errorf("rivershard: Plan of %d shards: want at least 1", n)
	}
	if err := checkRun(run); err != nil {
		return 0, err
	}
	tag, err := tx.Exec(ctx, "INSERT INTO "+c.runs+" (run, shards) VALUES ($1, 0) ON CONFLICT (run) DO NOTHING", run)
	if err != nil {
		return 0, fmt.Errorf("rivershard: planning run %q: %w", run, err)
	}
	if tag.RowsAffected() == 0 {
		return 0, nil
	}
	shards, err := src.Split(ctx, n)
	if err != nil {
		return 0, fmt.Errorf("rivershard: planning run %q: %w", run, err)
	}
	if len(shards) == 0 {
		return 0, fmt.Errorf("rivershard: planning run %q: the source's Split(%d) returned no shard", run, n)
	}
	params := make([]river.InsertManyParams, len(shards))
	texts := make([]string, len(shards))
	for i, sh := range shards {
		params[i] = river.InsertManyParams{Args: Args{Run: run, Shard: sh}, InsertOpts: &river.InsertOpts{Queue: c.queue}}
		texts[i] = sh.String()
	}
	res, err := client.InsertManyTx(ctx, tx, params)
	if err != nil {
		return 0, fmt.Errorf("rivershard: planning run %q: inserting its jobs: %w", run, err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.Job.ID
	}
	_, err = tx.Exec(ctx, "INSERT INTO "+c.shards+" (job_id, run, shard) SELECT unnest($1::bigint[]), $2, unnest($3::text[])", ids, run, texts)
	if err == nil {
		_, err = tx.Exec(ctx, "UPDATE "+c.runs+" SET shards = $2 WHERE run = $1", run, len(shards))
	}
	if err != nil {
		return 0, fmt.Errorf("rivershard: planning run %q: %w", run, err)
	}
	return len(shards), nil
}
