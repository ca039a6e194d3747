package rivershard

import (
	"context"
	"errors"
	"iter"

	"github.com/sluice-go/sluice/checkpoint"
	"github.com/sluice-go/sluice/sinks/pgcopy"
)

// A Sink is where a worker writes the values of a run's shards. Make one
// with [PGCopy], which writes into a PostgreSQL table exactly once, or
// with [Checkpointed], for any sink that keeps a checkpoint (S3 objects,
// files), at least once.
type Sink[V any] struct {
	pg    *pgcopy.Sink[V]
	write WriteFunc[V]
}

// PGCopy returns a Sink that writes each shard with s, in batches, each
// batch's rows committed in one transaction with the shard's cursor and,
// for the last batch of the shard, its job's completion: exactly once (see
// the package documentation). The worker sets s's Checkpoint and Name for
// each shard, on a copy: leave them unset. The table must be in the
// database of the worker's pool.
func PGCopy[V any](s *pgcopy.Sink[V]) Sink[V] { return Sink[V]{pg: s} }

// A WriteFunc writes seq, the values of a shard after its cursor, and
// saves in cp, under name, the cursor of the values it has made durable,
// as it goes (s3sink's Objects does with its Checkpoint and Name). It
// returns nil when it has written the whole of seq. cp refuses a save
// once the attempt is no longer River's running attempt of the job (its
// job was rescued): write must then stop, with cp's error.
type WriteFunc[V any] func(ctx context.Context, seq iter.Seq2[V, error], cp checkpoint.Store, name string) error

// Checkpointed returns a Sink that writes each shard with write: at least
// once, since the values write makes durable and the cursor it saves
// after them are not committed together. A worker that dies between the
// two leaves values that the saved cursor does not cover, and the job's
// next attempt writes them again: the writes must be idempotent (an object
// put under a key of the value's own, a file named after it, an upsert).
func Checkpointed[V any](write WriteFunc[V]) Sink[V] { return Sink[V]{write: write} }

func (s Sink[V]) check() error {
	switch {
	case s.pg == nil && s.write == nil:
		return errors.New("rivershard: a zero Sink: make one with PGCopy or Checkpointed")
	case s.pg != nil && s.pg.Checkpoint != nil:
		return errors.New("rivershard: PGCopy of a pgcopy.Sink with a Checkpoint: the worker sets it for each shard; leave it nil")
	case s.pg != nil && s.pg.Name != "":
		return errors.New("rivershard: PGCopy of a pgcopy.Sink with a Name: the worker sets it for each shard; leave it empty")
	}
	return nil
}
