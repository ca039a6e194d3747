package pgcopy

// batch holds the rows of one batch. A Write keeps one for all its
// batches and reuses its slices, so that after the first batch it
// allocates nothing but what Row returns.
//
// It is also the pgx.CopyFromSource of the batch's COPY, a
// pgx.CopyFromRows that keeps its index where Write can read it: when pgx
// fails to encode a value, it stops at that row and ends the COPY, and
// next is the row it stopped at. pgx has finished with the source when
// CopyFrom returns, so reading next then is no race.
type batch[V any] struct {
	vals     []V // the values, for their cursors; empty without a cursor function
	rows     [][]any
	bytes    int // estimated, see rowBytes
	maxRows  int
	maxBytes int
	next     int
}

// add appends v and its row, and v itself if keep is set.
func (b *batch[V]) add(v V, row []any, keep bool) {
	if keep {
		b.vals = append(b.vals, v)
	}
	b.rows = append(b.rows, row)
	b.bytes += rowBytes(row)
}

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

func (b *batch[V]) len() int { return len(b.rows) }

// full reports whether the batch has reached BatchRows or BatchBytes.
func (b *batch[V]) full() bool {
	return len(b.rows) >= b.maxRows || b.bytes >= b.maxBytes
}

// reset empties the batch, keeping its slices, and drops its references
// to values and rows so that they can be collected.
func (b *batch[V]) reset() {
	clear(b.vals)
	clear(b.rows)
	b.vals = b.vals[:0]
	b.rows = b.rows[:0]
	b.bytes = 0
}

// Next, Values and Err make a batch a pgx.CopyFromSource; start must be
// called before each COPY.
func (b *batch[V]) Next() bool {
	b.next++
	return b.next < len(b.rows)
}

func (b *batch[V]) Values() ([]any, error) { return b.rows[b.next], nil }

func (b *batch[V]) Err() error { return nil }

// start rewinds the batch as a CopyFromSource.
func (b *batch[V]) start() { b.next = -1 }
