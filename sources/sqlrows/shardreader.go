package sqlrows

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/internal/cursor"
	"github.com/sluice-go/sluice/shard"
)

// A KeysetReader reads one shard of a [KeysetSharder] in pages, as
// [Keyset] reads a table: each page its own query, bounded by the
// shard's End, (k1, k2, …) < End. It implements shard.Reader[Row[T]].
// Its methods are safe to call from different goroutines at once.
type KeysetReader[T any] struct {
	s             *KeysetSharder[T]
	k             *keyset[T] // s.k, its cursor the shard's
	start, cursor []string   // the texts of sh.Start and sh.Cursor
	used          atomic.Bool
	mu            sync.Mutex
	sh            shard.Shard // End narrowed by Split; Cursor as opened
	end           []string    // the texts of sh.End
	last          string      // the key of the last row yielded, if meta is not nil
	meta          *keyMeta
	gen           int  // counts the Splits that narrowed End
	done          bool // All read the shard to its end
}

// All returns an iterator over the rows of the shard in the order of the
// key: from Start, or strictly after Cursor, up to End, or up to the
// split point of the last Split. It returns a single-use iterator.
//
// It reads as [Keyset] does, a page of PageSize rows at a time, and keeps
// its iterator contract: its rows closed on every way out of the loop, an
// error matching ctx.Err() when ctx is done, errors last. Each row is
// yielded only if no Split has narrowed End since its page's query ran:
// otherwise the page is dropped and the next query starts after the last
// row yielded, bounded by the new End, so that rows at or beyond a split
// point, which PostgreSQL alone can compare, are never yielded.
func (r *KeysetReader[T]) All(ctx context.Context) iter.Seq2[Row[T], error] {
	return func(yield func(Row[T], error) bool) {
		if r.used.Swap(true) {
			yield(Row[T]{}, sluice.ErrReused)
			return
		}
		r.run(ctx, yield)
	}
}

// run reads the pages of the shard, yielding their rows, until a page
// comes back short, the loop stops, or an error.
func (r *KeysetReader[T]) run(ctx context.Context, yield func(Row[T], error) bool) {
	row := &keyedRow{names: r.k.names}
	sel, extra := selectList(r.s.t, r.k.names)
	for {
		r.mu.Lock()
		kr, err := r.remainder()
		gen := r.gen
		// Until a row is yielded the page starts after the Cursor the
		// shard was opened with: the server checks, on its first row,
		// that it is not before Start.
		check := r.meta == nil && r.cursor != nil && r.start != nil
		r.mu.Unlock()
		if err != nil {
			yield(Row[T]{}, err)
			return
		}
		where, args := kr.where(r.s.t)
		query := "SELECT " + sel
		row.extra = extra
		if check {
			query += ", (" + keyList(r.s.t) + ") >= (" + placeholders(&args, r.start) + ") AS sluice_in_shard"
			row.extra++
		}
		query += " FROM " + r.s.t.From + where + " ORDER BY " + keyList(r.s.t) + " LIMIT " + strconv.Itoa(r.k.page)
		restart := false
		n, _, ok := r.k.readPage(ctx, query, args, false, row, func(v Row[T], err error) bool {
			if err != nil {
				return yield(v, r.boundError(ctx, err, kr, len(r.s.t.Args)))
			}
			r.mu.Lock()
			if r.gen != gen {
				r.mu.Unlock()
				restart = true
				return false
			}
			if check {
				check = false
				if !inShard(row) {
					r.mu.Unlock()
					yield(Row[T]{}, fmt.Errorf("%w: %w", shard.ErrBadShard, cursor.Bad(ErrBadCursor, r.sh.Cursor, "it lies before the shard's Start")))
					return false
				}
			}
			r.last, r.meta = v.key, v.meta
			r.mu.Unlock()
			return yield(v, nil)
		})
		switch {
		case restart:
			continue
		case !ok:
			return
		case n < r.k.page:
			r.mu.Lock()
			r.done = true
			r.mu.Unlock()
			return
		}
	}
}

// inShard reads the sluice_in_shard column of the current row of a page,
// its last.
func inShard(row *keyedRow) bool {
	raw := row.Rows.RawValues()
	fds := row.Rows.FieldDescriptions()
	v := raw[len(raw)-1]
	if fds[len(fds)-1].Format == pgx.BinaryFormatCode {
		return len(v) == 1 && v[0] == 1
	}
	return string(v) == "t"
}

// placeholders appends texts to args and returns their placeholders,
// "$i, $j, …".
func placeholders(args *[]any, texts []string) string {
	s := ""
	for i, text := range texts {
		*args = append(*args, text)
		if i > 0 {
			s += ", "
		}
		s += "$" + strconv.Itoa(len(*args))
	}
	return s
}

// remainder returns the part of the shard not yet yielded. r.mu is held.
func (r *KeysetReader[T]) remainder() (keyRange, error) {
	kr := keyRange{upper: r.end, upperPos: r.sh.End}
	switch {
	case r.meta != nil:
		texts, err := r.meta.texts(r.last)
		if err != nil {
			return keyRange{}, err
		}
		kr.lower = texts
	case r.cursor != nil:
		kr.lower, kr.lowerName, kr.lowerPos = r.cursor, "Cursor", r.sh.Cursor
	case r.start != nil:
		kr.lower, kr.inclusive, kr.lowerName, kr.lowerPos = r.start, true, "Start", r.sh.Start
	}
	return kr, nil
}

// boundError returns err, the error of a query over kr with nargs
// arguments before its bounds, as a bad shard when the server refused the
// value of one of the bounds the shard holds (Start, Cursor or End; a
// shard a sharder made holds keys the server printed), and the check of
// the first row against Start.
func (r *KeysetReader[T]) boundError(ctx context.Context, err error, kr keyRange, nargs int) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || sluice.ContextError(ctx) != nil {
		return err
	}
	m := keyParam.FindStringSubmatch(pgErr.Where)
	if m == nil {
		return err
	}
	i, _ := strconv.Atoi(m[1])
	i -= nargs + 1
	name, pos := "", ""
	switch n := len(r.s.t.Key); {
	case i < 0:
		return err
	case kr.lower != nil && i < n:
		name, pos = kr.lowerName, kr.lowerPos
	case kr.lower != nil:
		i -= n
		fallthrough
	default:
		name, pos = "End", kr.upperPos
		if kr.upper == nil || i >= n {
			name, pos = "Start", r.sh.Start // the check of the first row
			i -= len(kr.upper)
		}
	}
	if name == "" || i < 0 || i >= len(r.s.t.Key) {
		return err // a key the server printed, or not a bound
	}
	return fmt.Errorf("%w: its %s: %w", shard.ErrBadShard, name,
		cursor.Bad(ErrBadCursor, pos, fmt.Sprintf("its value for %s: %s", r.s.t.Key[i], pgErr.Message)))
}

// Split gives away the rows of the shard not yet yielded, but for about
// keep of them (0 <= keep < 1): it returns them as a shard [p, End) and
// narrows the reader to end before p, so that All stops before p, exactly.
// It returns shard.ErrNoSplit when no row is left to give away.
//
// p is a key of the table, found by the server, never compared in Go: the
// first key after the last row yielded for keep 0, else the key about
// keep of the way through the rest. It counts the rest, up to 10,000
// rows; beyond, it takes the planner's estimate of the rest and reads its
// way to p (an OFFSET, in the time of reading that many keys of an index
// on the key). So Split is exact about the rows (each read by exactly one
// of the two) and estimates how many each keeps.
//
// It is safe to call while All runs: All yields no row of a page it read
// before a Split narrowed End. It queries db, from the calling goroutine,
// with ctx.
func (r *KeysetReader[T]) Split(ctx context.Context, keep float64) (shard.Shard, error) {
	if !(keep >= 0 && keep < 1) {
		return shard.Shard{}, fmt.Errorf("sqlrows: KeysetReader.Split: keep is %v; want 0 <= keep < 1", keep)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return shard.Shard{}, shard.ErrNoSplit
	}
	kr, err := r.remainder()
	if err != nil {
		return shard.Shard{}, err
	}
	p, err := r.s.splitPoint(ctx, kr, keep)
	switch {
	case err != nil:
		return shard.Shard{}, r.boundError(ctx, err, kr, len(r.s.t.Args))
	case p == nil:
		return shard.Shard{}, shard.ErrNoSplit
	}
	res := shard.Shard{Source: r.sh.Source, Start: cursorOf(p), End: r.sh.End}
	r.sh.End, r.end = res.Start, p
	r.gen++
	return res, nil
}

// Shard returns the shard as it now stands: End narrowed by Split, Cursor
// the cursor of the last row All yielded (or the one it was opened with).
func (r *KeysetReader[T]) Shard() shard.Shard {
	r.mu.Lock()
	defer r.mu.Unlock()
	sh := r.sh
	if r.meta != nil {
		if texts, err := r.meta.texts(r.last); err == nil {
			sh.Cursor = cursorOf(texts)
		}
	}
	return sh
}

// splitCount is how many rows of a reader's rest Split counts before it
// takes the planner's estimate instead (a variable for the tests).
var splitCount int64 = 10000

// splitPoint returns the key about keep of the way through the rows of
// kr, or nil if it holds none.
func (s *KeysetSharder[T]) splitPoint(ctx context.Context, kr keyRange, keep float64) ([]string, error) {
	where, args := kr.where(s.t)
	order := " ORDER BY " + keyList(s.t)
	query := "SELECT count(*) FROM (SELECT 1 FROM " + s.t.From + where + order + " LIMIT " + strconv.FormatInt(splitCount+1, 10) + ") AS sluice_rest"
	var count int64
	rows, err := s.k.db.Query(ctx, query, args...)
	if err == nil {
		count, err = pgx.CollectExactlyOneRow(rows, pgx.RowTo[int64])
	}
	if err != nil {
		return nil, queryError(ctx, query, err)
	}
	if count == 0 {
		return nil, nil
	}
	offsets := []int64{min(int64(keep*float64(count)), count-1)}
	if count > splitCount {
		est, err := explainRows(ctx, s.k.db, "SELECT 1 FROM "+s.t.From+where, args)
		if err != nil {
			return nil, err
		}
		// An estimate beyond the rows there are finds no key: then
		// the count's, and at last the first key of the rest.
		offsets = []int64{int64(keep * float64(max(est, count))), int64(keep * float64(count)), 0}
	}
	for _, o := range offsets {
		keys, err := s.queryKeys(ctx, "SELECT "+keyTexts(s.t)+" FROM "+s.t.From+where+order+" OFFSET "+strconv.FormatInt(o, 10)+" LIMIT 1", args)
		if err != nil || len(keys) == 1 {
			return firstKey(keys), err
		}
	}
	return nil, nil
}

func firstKey(keys [][]string) []string {
	if len(keys) == 0 {
		return nil
	}
	return keys[0]
}
