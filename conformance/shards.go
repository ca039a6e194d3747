package conformance

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"testing"

	"github.com/sluice-go/sluice/shard"
)

// Shards describes a shard.Source under test. Source, Want and Cursor are
// required.
type Shards[V any] struct {
	// Source is the source under test. The checks keep the values its
	// readers yield, so they must be safe to keep (a reader whose values
	// alias a buffer must be wrapped to yield copies).
	Source shard.Source[V]

	// Want is every value of the source, in its order: what the
	// shards of any Split must yield, one after the other.
	Want []V

	// Cursor returns the cursor of a value.
	Cursor func(V) string

	// Equal compares two values; nil means reflect.DeepEqual.
	Equal func(a, b V) bool

	// N lists the shard counts Split is asked for; nil means 1, 2, 3, 7
	// and 16. Make Want hold enough values, spread widely enough, that
	// the larger ones give several shards.
	N []int

	// BadShards are shards Open must refuse with an error wrapping
	// shard.ErrBadShard: another Source, a position the source cannot
	// read, a Cursor outside the shard.
	BadShards []shard.Shard
}

// TestShards runs the shard checks that apply to s as subtests of t:
// SplitCovers (the shards of every Split hold Want exactly, in order, with
// no gap and no overlap, and survive String and Parse), ReaderShard (a
// reader's Shard resumes where it stopped), LiveSplit (a reader split after
// k of its values, keeping 0 or half of the rest, then split again, yields
// with its residuals exactly its values), ConcurrentSplit (Split from
// another goroutine while All runs), SplitAtEnd and BadShards. Each shard's
// reader is a source: run Test on one as well, for the iterator contract.
// Like Test, it must not run in parallel with other tests of its binary.
func TestShards[V any](t *testing.T, s Shards[V], opts *Options) {
	t.Helper()
	if err := s.required(); err != nil {
		t.Fatal(err)
	}
	for _, c := range shardChecks[V]() {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(newShardSuite(&s, opts)); err != nil {
				t.Error(err)
			}
		})
	}
}

// CheckShards runs the checks of TestShards without a *testing.T and
// returns every failure joined, each prefixed with its check's name.
func CheckShards[V any](s Shards[V], opts *Options) error {
	if err := s.required(); err != nil {
		return err
	}
	var errs []error
	for _, c := range shardChecks[V]() {
		if err := c.run(newShardSuite(&s, opts)); err != nil {
			errs = append(errs, prefix(c.name, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Shards[V]) required() error {
	switch {
	case s.Source == nil:
		return errors.New("conformance: Shards.Source is nil; it is required")
	case s.Cursor == nil:
		return errors.New("conformance: Shards.Cursor is nil; it is required")
	}
	return nil
}

type shardSuite[V any] struct {
	*suite[V]
	sh *Shards[V]
}

func newShardSuite[V any](s *Shards[V], opts *Options) *shardSuite[V] {
	return &shardSuite[V]{suite: &suite[V]{s: &Source[V]{Equal: s.Equal}, opts: opts}, sh: s}
}

type shardCheck[V any] struct {
	name string
	run  func(*shardSuite[V]) error
}

func shardChecks[V any]() []shardCheck[V] {
	return []shardCheck[V]{
		{"SplitCovers", (*shardSuite[V]).splitCovers},
		{"ReaderShard", (*shardSuite[V]).readerShard},
		{"LiveSplit", (*shardSuite[V]).liveSplit},
		{"ConcurrentSplit", (*shardSuite[V]).concurrentSplit},
		{"SplitAtEnd", (*shardSuite[V]).splitAtEnd},
		{"BadShards", (*shardSuite[V]).badShards},
	}
}

func (ss *shardSuite[V]) ns() []int {
	if len(ss.sh.N) > 0 {
		return ss.sh.N
	}
	return []int{1, 2, 3, 7, 16}
}

// read opens sh and ranges its reader to the end.
func (ss *shardSuite[V]) read(ctx context.Context, sh shard.Shard) ([]V, error) {
	r, err := ss.sh.Source.Open(sh)
	if err != nil {
		return nil, fmt.Errorf("Open(%v) = %w", sh, err)
	}
	run := drive(r.All(ctx), func(V, error) bool { return true })
	if err := run.violationErr(); err != nil {
		return nil, fmt.Errorf("shard %v: %w", sh, err)
	}
	if run.panicked {
		return nil, fmt.Errorf("shard %v: All panicked: %v", sh, run.panicVal)
	}
	if run.err != nil {
		return run.values, fmt.Errorf("shard %v: All yielded error %w", sh, run.err)
	}
	return run.values, nil
}

// same compares got with want and describes the first difference.
func (ss *shardSuite[V]) same(what string, got, want []V) error {
	for i := 0; i < len(got) && i < len(want); i++ {
		if !ss.equal(got[i], want[i]) {
			return fmt.Errorf("%s: value %d = %v, want %v", what, i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("%s: %d values, want %d", what, len(got), len(want))
	}
	return nil
}

// split asks the source for n shards and checks their shape.
func (ss *shardSuite[V]) split(ctx context.Context, n int) ([]shard.Shard, error) {
	shards, err := ss.sh.Source.Split(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("Split(%d) = %w", n, err)
	}
	if len(shards) < 1 || len(shards) > n {
		return nil, fmt.Errorf("Split(%d) gave %d shards, want 1 to %d", n, len(shards), n)
	}
	if shards[0].Start != "" || shards[len(shards)-1].End != "" {
		return nil, fmt.Errorf("Split(%d): first Start %q, last End %q; want both \"\"", n, shards[0].Start, shards[len(shards)-1].End)
	}
	for i, sh := range shards {
		if sh.Cursor != "" {
			return nil, fmt.Errorf("Split(%d): shard %d has Cursor %q, want \"\"", n, i, sh.Cursor)
		}
		if i > 0 && shards[i-1].End != sh.Start {
			return nil, fmt.Errorf("Split(%d): shard %d ends at %q, shard %d starts at %q: a gap or an overlap", n, i-1, shards[i-1].End, i, sh.Start)
		}
		back, err := shard.Parse(sh.String())
		if err != nil || back != sh {
			return nil, fmt.Errorf("Parse(%q) = %+v, %v; want %+v", sh.String(), back, err, sh)
		}
	}
	return shards, nil
}

func (ss *shardSuite[V]) splitCovers() error {
	ctx := context.Background()
	var errs []error
	for _, n := range []int{0, -1} {
		if _, err := ss.sh.Source.Split(ctx, n); err == nil {
			errs = append(errs, fmt.Errorf("Split(%d) = nil error, want an error", n))
		}
	}
	for _, n := range ss.ns() {
		err := ss.isolate(func() error {
			shards, err := ss.split(ctx, n)
			if err != nil {
				return err
			}
			var got []V
			for _, sh := range shards {
				vs, err := ss.read(ctx, sh)
				if err != nil {
					return err
				}
				got = append(got, vs...)
			}
			return ss.same(fmt.Sprintf("the %d shards of Split(%d), read in turn", len(shards), n), got, ss.sh.Want)
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// probes returns shards to split live: the whole source, the middle
// shard of a Split in three, and the whole source opened with the cursor
// of its value a third of the way (a worker resuming its shard), with
// their values.
func (ss *shardSuite[V]) probes(ctx context.Context) ([]shard.Shard, [][]V, error) {
	var shards []shard.Shard
	var values [][]V
	for _, n := range []int{1, 3} {
		got, err := ss.split(ctx, n)
		if err != nil {
			return nil, nil, err
		}
		sh := got[len(got)/2]
		vs, err := ss.read(ctx, sh)
		if err != nil {
			return nil, nil, err
		}
		shards, values = append(shards, sh), append(values, vs)
	}
	if all := values[0]; len(all) >= 3 {
		sh := shards[0]
		sh.Cursor = ss.sh.Cursor(all[len(all)/3])
		shards, values = append(shards, sh), append(values, all[len(all)/3+1:])
	}
	return shards, values, nil
}

func positions(n int) []int {
	return []int{0, 1, n / 3, n / 2, n - 2, n - 1}
}

func (ss *shardSuite[V]) readerShard() error {
	ctx := context.Background()
	probes, values, err := ss.probes(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for i, sh := range probes {
		want := values[i]
		errs = append(errs, ss.cases("k", positions(len(want)+1), func(k int) error {
			if k > len(want) {
				return nil // positions(1) holds 1: an empty shard has no value to stop after
			}
			r, err := ss.sh.Source.Open(sh)
			if err != nil {
				return fmt.Errorf("Open(%v) = %w", sh, err)
			}
			got := takeN(r.All(ctx), k)
			if err := ss.same("the values before the break", got, want[:k]); err != nil {
				return err
			}
			at := r.Shard()
			wantCursor := sh.Cursor
			if k > 0 {
				wantCursor = ss.sh.Cursor(want[k-1])
			}
			if at.Cursor != wantCursor || at.Start != sh.Start || at.End != sh.End {
				return fmt.Errorf("Shard() after %d values = %+v, want Cursor %q in [%q, %q)", k, at, wantCursor, sh.Start, sh.End)
			}
			rest, err := ss.read(ctx, at)
			if err != nil {
				return err
			}
			return ss.same(fmt.Sprintf("Shard() reopened after %d values", k), rest, want[k:])
		}))
	}
	return errors.Join(errs...)
}

// takeN ranges seq for its first k values (or fewer) and breaks.
func takeN[V any](seq iter.Seq2[V, error], k int) []V {
	var got []V
	if k == 0 {
		return nil
	}
	for v, err := range seq {
		if err != nil {
			break
		}
		got = append(got, v)
		if len(got) == k {
			break
		}
	}
	return got
}

func (ss *shardSuite[V]) liveSplit() error {
	ctx := context.Background()
	probes, values, err := ss.probes(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for i, sh := range probes {
		want := values[i]
		for _, keep := range []float64{0, 0.5} {
			errs = append(errs, ss.cases(fmt.Sprintf("shard %d keep %v k", i, keep), positions(len(want)), func(k int) error {
				return ss.liveSplitAt(ctx, sh, want, k, keep)
			}))
		}
	}
	return errors.Join(errs...)
}

// liveSplitAt reads k values of sh, splits it keeping keep of the rest,
// reads one more, splits again keeping half, reads the rest and then the
// residuals, and checks it all adds up to want.
func (ss *shardSuite[V]) liveSplitAt(ctx context.Context, sh shard.Shard, want []V, k int, keep float64) error {
	r, err := ss.sh.Source.Open(sh)
	if err != nil {
		return fmt.Errorf("Open(%v) = %w", sh, err)
	}
	next, stop := iter.Pull2(r.All(ctx))
	defer stop()
	var got []V
	pull := func() bool {
		v, err, ok := next()
		if !ok || err != nil {
			return false
		}
		got = append(got, v)
		return true
	}
	for len(got) < k && pull() {
	}
	var residuals []shard.Shard
	for round, kp := range []float64{keep, 0.5} {
		unread := len(want) - len(got)
		res, err := r.Split(ctx, kp)
		switch {
		case errors.Is(err, shard.ErrNoSplit):
			// After the first split the reader's own remainder is unknown.
			if round == 0 && ((kp == 0 && unread >= 1) || unread >= 2) {
				return fmt.Errorf("split %d: Split(%v) after %d of %d values = %v, want a residual", round+1, kp, len(got), len(want), err)
			}
		case err != nil:
			return fmt.Errorf("split %d: Split(%v) after %d values = %w", round+1, kp, len(got), err)
		default:
			if at := r.Shard(); at.End != res.Start || res.Cursor != "" {
				return fmt.Errorf("split %d: Split(%v) after %d values gave [%q, %q) cursor %q; the reader now ends at %q", round+1, kp, len(got), res.Start, res.End, res.Cursor, at.End)
			}
			if res.Source != sh.Source {
				return fmt.Errorf("split %d: Split(%v) gave a residual of Source %q, want %q", round+1, kp, res.Source, sh.Source)
			}
			if back, err := shard.Parse(res.String()); err != nil || back != res {
				return fmt.Errorf("split %d: Parse(%q) of the residual = %+v, %v; want %+v", round+1, res.String(), back, err, res)
			}
			residuals = append(residuals, res)
		}
		pull()
	}
	for pull() {
	}
	// The later residual lies before the earlier one.
	for i := len(residuals) - 1; i >= 0; i-- {
		vs, err := ss.read(ctx, residuals[i])
		if err != nil {
			return err
		}
		got = append(got, vs...)
	}
	return ss.same(fmt.Sprintf("the reader split after %d values, then its residuals", k), got, want)
}

func (ss *shardSuite[V]) concurrentSplit() error {
	ctx := context.Background()
	probes, values, err := ss.probes(ctx)
	if err != nil {
		return err
	}
	want := values[0]
	return ss.isolate(func() error {
		r, err := ss.sh.Source.Open(probes[0])
		if err != nil {
			return err
		}
		third := make(chan struct{})
		var once sync.Once
		signal := func() { once.Do(func() { close(third) }) }
		var res shard.Shard
		var splitErr error
		var wg sync.WaitGroup
		wg.Go(func() {
			<-third
			res, splitErr = r.Split(ctx, 0.5)
		})
		var got []V
		var runErr error
		for v, err := range r.All(ctx) {
			if err != nil {
				runErr = err
				break
			}
			got = append(got, v)
			if len(got) >= len(want)/3 {
				signal()
			}
		}
		signal()
		wg.Wait()
		if runErr != nil {
			return fmt.Errorf("All(ctx) = %w", runErr)
		}
		switch {
		case errors.Is(splitErr, shard.ErrNoSplit):
		case splitErr != nil:
			return fmt.Errorf("Split(ctx, 0.5) from another goroutine = %w", splitErr)
		default:
			vs, err := ss.read(ctx, res)
			if err != nil {
				return err
			}
			got = append(got, vs...)
		}
		return ss.same("the reader split from another goroutine, then its residual", got, want)
	})
}

func (ss *shardSuite[V]) splitAtEnd() error {
	ctx := context.Background()
	return ss.isolate(func() error {
		shards, err := ss.split(ctx, 1)
		if err != nil {
			return err
		}
		r, err := ss.sh.Source.Open(shards[0])
		if err != nil {
			return err
		}
		for _, err := range r.All(ctx) {
			if err != nil {
				return fmt.Errorf("All(ctx) = %w", err)
			}
		}
		if res, err := r.Split(ctx, 0); !errors.Is(err, shard.ErrNoSplit) {
			return fmt.Errorf("Split(0) after the last value = %v, %v; want ErrNoSplit", res, err)
		}
		return nil
	})
}

func (ss *shardSuite[V]) badShards() error {
	var errs []error
	bad := append([]shard.Shard{{Source: "conformance:another-source"}}, ss.sh.BadShards...)
	for _, sh := range bad {
		if _, err := ss.sh.Source.Open(sh); !errors.Is(err, shard.ErrBadShard) {
			errs = append(errs, fmt.Errorf("Open(%+v) = %v, want an error wrapping shard.ErrBadShard", sh, err))
		}
	}
	return errors.Join(errs...)
}
