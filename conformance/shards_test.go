package conformance_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sluice-go/sluice"
	"github.com/sluice-go/sluice/conformance"
	"github.com/sluice-go/sluice/shard"
)

// keyShards is a shard.Source over sorted keys, positions being the keys
// themselves: a correct one unless a defect is switched on.
type keyShards struct {
	keys []string

	gap          bool // Split leaves out the key at each cut
	exclusive    bool // a reader leaves out its Start
	inclusive    bool // a reader reads its End too
	noNarrow     bool // a reader's Split does not stop the reader
	splitBehind  bool // a reader's Split cuts at the last key yielded
	staleCursor  bool // Shard keeps the cursor it was opened with
	acceptAny    bool // Open takes any Source
	refuseSplits bool // a reader's Split always says ErrNoSplit
	forgetCursor bool // a reader's Split, before All yields, ignores the Cursor it was opened with
	nameless     bool // a reader's Split gives a residual without Source
}

const keySource = "keys"

func newKeyShards(n int) *keyShards {
	ks := &keyShards{}
	for i := range n {
		ks.keys = append(ks.keys, fmt.Sprintf("k%04d", i))
	}
	return ks
}

func (ks *keyShards) Split(_ context.Context, n int) ([]shard.Shard, error) {
	if n < 1 {
		return nil, fmt.Errorf("keys: Split(%d): want at least 1", n)
	}
	n = min(n, len(ks.keys))
	var out []shard.Shard
	start := ""
	for i := 1; i < n; i++ {
		cut := ks.keys[i*len(ks.keys)/n]
		out = append(out, shard.Shard{Source: keySource, Start: start, End: cut})
		start = cut
		if ks.gap {
			start = ks.keys[i*len(ks.keys)/n+1]
		}
	}
	return append(out, shard.Shard{Source: keySource, Start: start}), nil
}

func (ks *keyShards) Open(s shard.Shard) (shard.Reader[string], error) {
	if s.Source != keySource && !ks.acceptAny {
		return nil, fmt.Errorf("%w: source %q", shard.ErrBadShard, s.Source)
	}
	return &keyReader{ks: ks, sh: s}, nil
}

type keyReader struct {
	ks      *keyShards
	mu      sync.Mutex
	sh      shard.Shard // End narrowed, Cursor advanced
	yielded bool
}

func (r *keyReader) All(ctx context.Context) iter.Seq2[string, error] {
	return sluice.SingleUse(func(yield func(string, error) bool) {
		for _, k := range r.ks.keys {
			if err := sluice.ContextError(ctx); err != nil {
				yield("", err)
				return
			}
			r.mu.Lock()
			before := k < r.sh.Start || (r.sh.Cursor != "" && k <= r.sh.Cursor) || (r.ks.exclusive && k == r.sh.Start)
			after := r.sh.End != "" && (k > r.sh.End || (k == r.sh.End && !r.ks.inclusive))
			if !before && !after && !r.ks.staleCursor {
				r.sh.Cursor, r.yielded = k, true
			}
			r.mu.Unlock()
			if after {
				return
			}
			if !before && !yield(k, nil) {
				return
			}
		}
	})
}

func (r *keyReader) Split(_ context.Context, keep float64) (shard.Shard, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var rest []string
	cursor := r.sh.Cursor
	if r.ks.forgetCursor && !r.yielded {
		cursor = ""
	}
	for _, k := range r.ks.keys {
		if k >= r.sh.Start && (cursor == "" || k > cursor) && (r.sh.End == "" || k < r.sh.End) {
			rest = append(rest, k)
		}
	}
	if len(rest) == 0 || r.ks.refuseSplits {
		return shard.Shard{}, shard.ErrNoSplit
	}
	p := rest[int(keep*float64(len(rest)))]
	if r.ks.splitBehind && r.sh.Cursor != "" {
		p = r.sh.Cursor
	}
	res := shard.Shard{Source: keySource, Start: p, End: r.sh.End}
	if r.ks.nameless {
		res.Source = ""
	}
	if !r.ks.noNarrow {
		r.sh.End = p
	}
	return res, nil
}

func (r *keyReader) Shard() shard.Shard {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sh
}

func (ks *keyShards) spec() conformance.Shards[string] {
	return conformance.Shards[string]{
		Source: ks,
		Want:   slices.Clone(ks.keys),
		Cursor: func(k string) string { return k },
	}
}

func TestCorrectShardsPass(t *testing.T) {
	conformance.TestShards(t, newKeyShards(40).spec(), fast)
}

// TestBrokenShards wants each defect of a sharded source reported by the
// check that guards against it.
func TestBrokenShards(t *testing.T) {
	tests := []struct {
		name   string
		defect func(*keyShards)
		want   string
	}{
		{"gap between shards", func(ks *keyShards) { ks.gap = true }, `SplitCovers: Split(2): shard 0 ends at "k0020", shard 1 starts at "k0021": a gap or an overlap`},
		{"reader leaves out its start", func(ks *keyShards) { ks.exclusive = true }, "SplitCovers: the 2 shards of Split(2), read in turn: value 20 = k0021, want k0020"},
		{"reader reads its end", func(ks *keyShards) { ks.inclusive = true }, "SplitCovers: the 2 shards of Split(2), read in turn: value 21 = k0020, want k0021"},
		{"split does not narrow", func(ks *keyShards) { ks.noNarrow = true }, "LiveSplit: shard 0 keep 0 k=0:"},
		{"split behind the reader", func(ks *keyShards) { ks.splitBehind = true }, "LiveSplit: shard 0 keep 0 k=1:"},
		{"stale Shard cursor", func(ks *keyShards) { ks.staleCursor = true }, "ReaderShard: k=1: Shard() after 1 values"},
		{"foreign shard opened", func(ks *keyShards) { ks.acceptAny = true }, "BadShards: Open("},
		{"never splits", func(ks *keyShards) { ks.refuseSplits = true }, "want a residual"},
		{"residual without source", func(ks *keyShards) { ks.nameless = true }, `gave a residual of Source "", want "keys"`},
		{"split forgets the opened cursor", func(ks *keyShards) { ks.forgetCursor = true }, "LiveSplit: shard 2 keep 0 k=0:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks := newKeyShards(40)
			tt.defect(ks)
			err := conformance.CheckShards(ks.spec(), fast)
			if err == nil {
				t.Fatal("CheckShards passed a broken source")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckShards error does not contain %q:\n%v", tt.want, err)
			}
		})
	}
}
