package pgcopy

import (
	"context"
	"fmt"
	"iter"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/sinkrun"
)

// chunkRows is the most rows the reading of the stream runs ahead of pgx's
// encoding. The stream is pulled through a coroutine (iter.Pull), and a
// pull costs some 165 ns on the benchmark machine, about 40% of what the
// client spends per row in a raw COPY: pulled a value at a time, the
// stream made the client the bottleneck (BENCHMARKS.md); pulled a chunk
// at a time, it costs a few ns per row, and the chunk is still no memory.
const chunkRows = 64

// batch reads the stream of a Write, a batch at a time, and is the
// pgx.CopyFromSource of each batch's COPY. Its chunks are the stream read
// through a coroutine (see chunks): each pull reads values, calls Row for
// each, and appends the rows to the chunk, until it holds chunkRows rows
// or the batch is full. Next gives pgx the rows of the chunk, and pulls
// the next chunk when pgx has encoded them, so that the COPY streams the
// batch as it is read, as a raw pgx.CopyFromFunc would, and nothing of the
// batch is held but a chunk of rows and the values V, for their cursors.
// A Write keeps one batch for all its batches and reuses its slices.
//
// pgx calls Next, Values and Err from a goroutine of its own, and has
// stopped calling them when CopyFrom returns; Write pulls the first chunk
// of a batch before its CopyFrom, and reads what Next recorded after it:
// so the batch is used by one goroutine at a time.
type batch[V any] struct {
	ctx      context.Context
	pull     func() (struct{}, bool) // from iter.Pull of chunks
	row      func(V) ([]any, error)  // Sink.Row
	columns  int
	keep     bool // keep the values, for their cursors
	maxRows  int
	maxBytes int

	read int64 // values read from the stream in the Write

	// The current batch.
	vals  []V     // its values, if keep
	rows  int     // its rows read
	bytes int     // estimated, see rowBytes
	given int     // its rows given to the COPY
	chunk [][]any // rows read: chunk[i:] are not yet given to the COPY
	i     int
	cur   []any         // the row Next gave, for Values
	full  bool          // the batch has reached maxRows or maxBytes
	ended bool          // the stream has ended
	err   error         // why the batch ended early: the stream's error, Row's, ctx's
	panic sinkrun.Panic // of the stream or Row, in refill
}

// chunks returns seq as the batches pull it: each pull reads values of seq,
// and calls Row for each, into b.chunk, until it holds chunkRows rows or
// the batch is full. At the end of seq it sets b.ended; at an error of seq
// or of Row, or when ctx is done, it sets b.err; then it returns.
func (b *batch[V]) chunks(seq iter.Seq2[V, error]) iter.Seq[struct{}] {
	return func(yield func(struct{}) bool) {
		for v, err := range seq {
			if err != nil {
				b.err = names.SourceFailed(b.read, err)
				return
			}
			if err := sluice.ContextError(b.ctx); err != nil {
				b.err = names.Stopped(b.read, err)
				return
			}
			b.read++
			row, err := b.row(v)
			if err == nil && len(row) != b.columns {
				err = fmt.Errorf("%d values for %d columns", len(row), b.columns)
			}
			if err != nil {
				b.err = fmt.Errorf("row %d: Row: %w", b.read, err)
				return
			}
			if b.keep {
				b.vals = append(b.vals, v)
			}
			b.chunk = append(b.chunk, row)
			b.rows++
			b.bytes += rowBytes(row)
			b.full = b.rows >= b.maxRows || b.bytes >= b.maxBytes
			if (b.full || len(b.chunk) == chunkRows) && !yield(struct{}{}) {
				return
			}
		}
		b.ended = true
	}
}

// fill empties the chunk and pulls the next. It reports whether the chunk
// has rows to give and no error ended the batch.
func (b *batch[V]) fill() bool {
	clear(b.chunk)
	b.chunk, b.i = b.chunk[:0], 0
	b.pull()
	return len(b.chunk) > 0 && b.err == nil
}

// Next gives the COPY the next row of the batch: from the chunk, and when
// pgx has encoded the chunk's rows, from the next chunk, until the batch
// is full, the stream ends, or an error, which Err then returns, ends it.
func (b *batch[V]) Next() bool {
	if b.i == len(b.chunk) && (b.full || b.ended || !b.refill()) {
		return false
	}
	b.cur = b.chunk[b.i]
	b.i++
	b.given++
	return true
}

// refill is fill in pgx's goroutine. A panic of the stream or of Row,
// which would crash the process from there, is recovered and ends the
// COPY too: Write raises it again in its own goroutine.
func (b *batch[V]) refill() (ok bool) {
	defer func() {
		if b.panic.Catch(recover()) {
			b.err = sinkrun.ErrPanicked
			ok = false
		}
	}()
	return b.fill()
}

// Values returns the row Next gave.
func (b *batch[V]) Values() ([]any, error) { return b.cur, nil }

// Err returns why Next ended the batch early, or nil.
func (b *batch[V]) Err() error { return b.err }

// rowBytes estimates the size of row as Sink.BatchBytes counts it: the
// length of each string or []byte, 8 bytes for any other value. It costs
// a type switch per value, next to pgx's encoding, which costs more.
func rowBytes(row []any) int {
	n := 0
	for _, v := range row {
		switch v := v.(type) {
		case string:
			n += len(v)
		case []byte:
			n += len(v)
		default:
			n += 8
		}
	}
	return n
}

// last returns the last value of the batch; the batch keeps its values.
func (b *batch[V]) last() V { return b.vals[len(b.vals)-1] }

// reset empties the batch for the next, keeping its slices, and drops its
// references to values and rows so that they can be collected.
func (b *batch[V]) reset() {
	clear(b.vals)
	b.vals = b.vals[:0]
	clear(b.chunk)
	b.chunk, b.i = b.chunk[:0], 0
	b.cur = nil
	b.rows, b.bytes, b.given = 0, 0, 0
	b.full = false
}
