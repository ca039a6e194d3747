package sqlrows

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// A sample of the keys Split cuts holds at least sampleRows rows, and
// samplePerShard rows a shard, and, of a table, sampleBlocks of its
// blocks, when it has so many. TABLESAMPLE SYSTEM reads whole blocks, and
// the rows of a block often hold neighbouring keys (a serial key, a
// time): the blocks, more than the rows, make the quantiles even, within
// about 1/sqrt(blocks) of the table (6% at 256 blocks). A sample of a
// table of 10^6 rows in 15,000 blocks takes about 0.1 s, sorted in the
// server. They are variables so that tests can sample small tables.
var (
	sampleRows     = 10000
	samplePerShard = 20
	sampleBlocks   = 256
)

// relationName matches a From that names a table, a view or a
// materialized view, perhaps with its schema: what to_regclass reads and
// TABLESAMPLE may follow.
var relationName = regexp.MustCompile(`^\s*(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)(?:\.(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*))?\s*$`)

// cuts returns up to n-1 cut points of the scan, ascending in the key's
// order and distinct.
func (s *KeysetSharder[T]) cuts(ctx context.Context, n int) ([][]string, error) {
	rel := relation{}
	if relationName.MatchString(s.t.From) {
		var err error
		if rel, err = s.relation(ctx); err != nil {
			return nil, err
		}
		if len(rel.bounds)-1 >= n {
			return histogramCuts(rel.bounds, n), nil
		}
	}
	return s.sampleCuts(ctx, n, rel)
}

// A relation is what the catalog says of the relation From names.
type relation struct {
	kind   string   // its relkind, "" if From names none
	pages  int64    // its size in blocks
	bounds []string // the histogram of the key, when it is one column
}

// sampled says TABLESAMPLE applies to the relation.
func (rel relation) sampled() bool {
	return rel.kind == "r" || rel.kind == "m" || rel.kind == "p"
}

// relation returns what the catalog says of the relation s.t.From names:
// its kind, its size and, when the key is one plain column of it, the
// bounds of its histogram in pg_stats, as texts (nil if ANALYZE made
// none).
func (s *KeysetSharder[T]) relation(ctx context.Context) (relation, error) {
	column := ""
	if len(s.t.Key) == 1 {
		column = s.k.names[0] // a plain column's name, lowercased, or ""
		if column == "" && identifier.MatchString(s.t.Key[0]) {
			column = strings.ToLower(s.t.Key[0])
		}
	}
	// histogram_bounds is an anyarray of the column's type: its text
	// form read as a text[] gives each bound's text, which the server
	// parses back as the column's type in the readers' queries. The
	// histogram is ordered as ORDER BY orders the column (its type's
	// default operator class, its collation). inherited rows come first:
	// they cover a parent's children, which FROM parent reads.
	const query = `SELECT c.relkind::text,
	pg_relation_size(c.oid) / current_setting('block_size')::int,
	(SELECT s.histogram_bounds::text::text[] FROM pg_stats s
	 WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = $2
	 ORDER BY s.inherited DESC LIMIT 1)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.oid = to_regclass($1)`
	var rel relation
	rows, err := s.k.db.Query(ctx, query, s.t.From, column)
	if err != nil {
		return relation{}, queryError(ctx, query, err)
	}
	_, err = pgx.ForEachRow(rows, []any{&rel.kind, &rel.pages, &rel.bounds}, func() error { return nil })
	if err != nil {
		return relation{}, queryError(ctx, query, err)
	}
	if column == "" {
		rel.bounds = nil
	}
	return rel, nil
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
// the scan's keys, found by the server: only the cut points come back.
func (s *KeysetSharder[T]) sampleCuts(ctx context.Context, n int, rel relation) ([][]string, error) {
	est, err := KeysetEstimate(ctx, s.k.db, s.t, nil)
	if err != nil {
		return nil, err
	}
	frac := 1.0
	if est > 0 {
		frac = min(1, float64(max(sampleRows, samplePerShard*n))/float64(est))
	}
	if rel.pages > 0 && rel.sampled() {
		frac = max(frac, min(1, float64(sampleBlocks)/float64(rel.pages)))
	}
	where, args := keyRange{}.where(s.t)
	method := "SYSTEM"
	for try := 1; ; try++ {
		from, w := s.t.From, where
		pct := strconv.FormatFloat(100*frac, 'g', 6, 64)
		f := strconv.FormatFloat(frac, 'f', -1, 64)
		switch {
		case frac >= 1:
		case rel.sampled():
			from += " TABLESAMPLE " + method + " (" + pct + ")"
		case w == "":
			w = " WHERE random() < " + f
		default:
			w += " AND random() < " + f
		}
		cuts, err := s.queryKeys(ctx, quantileQuery(s.t, from, w, n), args)
		if err != nil || len(cuts) >= n-1 || frac >= 1 || try == 3 {
			return cuts, err
		}
		// Too few rows in the sample (a table of few, large rows in
		// its blocks, an estimate too high, a Where that keeps few):
		// a larger one, of rows from every block.
		method, frac = "BERNOULLI", min(1, 4*frac)
	}
}

// quantileQuery returns the query of up to n-1 cut points of the rows of
// t in from (a FROM item) with where: the keys i/n of the way through
// them in the key's order, for i from 1 to n-1, none twice and never the
// first (which would leave the first shard empty). The sample is sorted
// and numbered by the server; the key at 0-based position x is a cut when
// some i in [1, n-1] has floor(i*m/n) = x, m the rows of the sample: when
// j = max(1, ceil(x*n/m)) has j*m < (x+1)*n and j <= n-1.
func quantileQuery(t Table, from, where string, n int) string {
	cols := make([]string, len(t.Key))
	for i := range cols {
		cols[i] = "sluice_key_" + strconv.Itoa(i+1)
	}
	ns := strconv.Itoa(n)
	j := "greatest((sluice_x * " + ns + " + sluice_m - 1) / sluice_m, 1)"
	return "SELECT " + strings.Join(cols, ", ") + " FROM (SELECT " + keyTexts(t) +
		", row_number() OVER (ORDER BY " + keyList(t) + ") - 1 AS sluice_x, count(*) OVER () AS sluice_m" +
		" FROM " + from + where + ") AS sluice_sample" +
		" WHERE sluice_x >= 1 AND " + j + " * sluice_m < (sluice_x + 1) * " + ns + " AND " + j + " <= " + ns + " - 1" +
		" ORDER BY sluice_x"
}
