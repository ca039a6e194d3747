package sqlrows

import (
	"context"
	"regexp"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// sampleSize is about how many keys Split samples: enough for even
// quantiles however many shards it cuts, few enough to sort in
// milliseconds.
const sampleSize = 10000

// relationName matches a From that names a table, a view or a
// materialized view, perhaps with its schema: what to_regclass reads and
// TABLESAMPLE may follow.
var relationName = regexp.MustCompile(`^\s*(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)(?:\.(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*))?\s*$`)

// cuts returns up to n-1 cut points of the scan, ascending in the key's
// order and distinct.
func (s *KeysetSharder[T]) cuts(ctx context.Context, n int) ([][]string, error) {
	sampled := false // TABLESAMPLE applies
	if relationName.MatchString(s.t.From) {
		kind, bounds, err := s.relation(ctx)
		if err != nil {
			return nil, err
		}
		sampled = kind == "r" || kind == "m" || kind == "p"
		if len(bounds)-1 >= n {
			return histogramCuts(bounds, n), nil
		}
	}
	return s.sampleCuts(ctx, n, sampled)
}

// relation returns the relkind of the relation s.t.From names ("" if it
// names none) and, when the key is one plain column of it, the bounds of
// its histogram in pg_stats, as texts (nil if ANALYZE made none).
func (s *KeysetSharder[T]) relation(ctx context.Context) (string, []string, error) {
	column := ""
	if len(s.t.Key) == 1 {
		column = s.k.names[0] // a plain column's name, lowercased, or ""
		if column == "" && identifier.MatchString(s.t.Key[0]) {
			column = s.t.Key[0]
		}
	}
	// histogram_bounds is an anyarray of the column's type: its text
	// form read as a text[] gives each bound's text, which the server
	// parses back as the column's type in the readers' queries. The
	// histogram is ordered as ORDER BY orders the column (its type's
	// default operator class, its collation). inherited rows come first:
	// they cover a parent's children, which FROM parent reads.
	const query = `SELECT c.relkind::text,
	(SELECT s.histogram_bounds::text::text[] FROM pg_stats s
	 WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = $2
	 ORDER BY s.inherited DESC LIMIT 1)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass($1)`
	var kind string
	var bounds []string
	rows, err := s.k.db.Query(ctx, query, s.t.From, column)
	if err != nil {
		return "", nil, queryError(ctx, query, err)
	}
	found := false
	_, err = pgx.ForEachRow(rows, []any{&kind, &bounds}, func() error { found = true; return nil })
	if err != nil {
		return "", nil, queryError(ctx, query, err)
	}
	if !found || column == "" {
		return kind, nil, nil
	}
	return kind, bounds, nil
}

// histogramCuts returns n-1 cut points from a histogram's bounds, which
// hold about as many rows between each two: the interior bounds nearest
// to i/n of the way through, for i from 1 to n-1. len(bounds)-1 >= n.
func histogramCuts(bounds []string, n int) [][]string {
	buckets := len(bounds) - 1
	var cuts [][]string
	for i := 1; i < n; i++ {
		b := bounds[(i*buckets+n/2)/n]
		if len(cuts) > 0 && cuts[len(cuts)-1][0] == b {
			continue // equal bounds: one cut
		}
		cuts = append(cuts, []string{b})
	}
	return cuts
}

// sampleCuts returns up to n-1 cut points at the quantiles of a sample of
// the scan's keys, ordered by the server. sampled says From is a relation
// TABLESAMPLE applies to.
func (s *KeysetSharder[T]) sampleCuts(ctx context.Context, n int, sampled bool) ([][]string, error) {
	est, err := KeysetEstimate(ctx, s.k.db, s.t, nil)
	if err != nil {
		return nil, err
	}
	target := max(sampleSize, 100*n)
	head := "SELECT " + keyTexts(s.t) + " FROM " + s.t.From
	where, args := keyRange{}.where(s.t)
	order := " ORDER BY " + keyList(s.t)
	query := head + where + order
	if est > int64(target) {
		pct := strconv.FormatFloat(100*float64(target)/float64(est), 'g', 6, 64)
		switch {
		case sampled:
			// SYSTEM reads whole blocks, only those it picks.
			query = head + " TABLESAMPLE SYSTEM (" + pct + ")" + where + order
		case where == "":
			query = head + " WHERE random() < " + pct + "/100" + order
		default:
			query = head + where + " AND random() < " + pct + "/100" + order
		}
	}
	keys, err := s.queryKeys(ctx, query, args)
	if err != nil {
		return nil, err
	}
	if len(keys) < n && sampled && est > int64(target) {
		// Too few blocks picked (a table of few, large rows): one
		// row in every so many, from every block.
		pct := strconv.FormatFloat(min(100, 400*float64(target)/float64(est)), 'g', 6, 64)
		if keys, err = s.queryKeys(ctx, head+" TABLESAMPLE BERNOULLI ("+pct+")"+where+order, args); err != nil {
			return nil, err
		}
	}
	return quantiles(keys, n), nil
}

// quantiles returns up to n-1 cut points among keys, ascending and
// distinct: the keys i/n of the way through, for i from 1 to n-1, never
// the first (which would leave the first shard empty).
func quantiles(keys [][]string, n int) [][]string {
	var cuts [][]string
	last := 0
	for i := 1; i < n; i++ {
		j := i * len(keys) / n
		if j <= last {
			continue
		}
		cuts = append(cuts, keys[j])
		last = j
	}
	return cuts
}
