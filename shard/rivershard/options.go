package rivershard

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Options configure [Migrate], [Plan], [NewWorker] and [Status]. Give each
// the same Schema. A nil *Options means the defaults.
type Options struct {
	// Schema is the PostgreSQL schema of rivershard's tables, and of
	// River's, which Migrate creates there: River's Config.Schema must
	// be the same. "" means none named: the tables are found through
	// search_path, as River's are when its Config.Schema is "".
	Schema string

	// Queue is the River queue Plan inserts the run's jobs into; "" means
	// River's default queue. A shard split off a running one goes into
	// the queue of that one's job.
	Queue string

	// SplitAfter is how long a job reads its shard before it splits off
	// half of what it has not read yet as a new job, for another worker;
	// it splits again each SplitAfter after that, for as long as its
	// attempt runs. A job splits only when no job of its kind waits in
	// its queue (splitting then would only lengthen the queue), and once
	// it has read a value in the attempt. Zero means 30 seconds; a
	// negative value, never.
	SplitAfter time.Duration
}

const defaultSplitAfter = 30 * time.Second

// The tables of rivershard, in Options.Schema.
const (
	runsTable    = "sluice_shard_runs"
	shardsTable  = "sluice_shards"
	cursorsTable = "sluice_shard_cursors"
)

// config is Options checked, with the defaults filled in and the tables'
// names quoted.
type config struct {
	schema     string
	queue      string
	splitAfter time.Duration // 0: never
	runs       string        // quoted, qualified by the schema
	shards     string
	cursorsQ   string
	cursors    string // for pgstore.New: schema.table, unquoted
}

func newConfig(opts *Options) (config, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if !utf8.ValidString(o.Schema) || strings.ContainsRune(o.Schema, 0) {
		return config{}, fmt.Errorf("rivershard: Options.Schema %q is not valid UTF-8 without NUL", o.Schema)
	}
	c := config{schema: o.Schema, queue: o.Queue, splitAfter: o.SplitAfter}
	switch {
	case c.splitAfter == 0:
		c.splitAfter = defaultSplitAfter
	case c.splitAfter < 0:
		c.splitAfter = 0
	}
	c.runs, c.shards, c.cursorsQ = c.table(runsTable), c.table(shardsTable), c.table(cursorsTable)
	c.cursors = cursorsTable
	if c.schema != "" {
		if strings.Contains(c.schema, ".") {
			// pgstore.New splits its table's name at the dot.
			return config{}, fmt.Errorf("rivershard: Options.Schema %q holds a dot", o.Schema)
		}
		c.cursors = c.schema + "." + cursorsTable
	}
	return c, nil
}

// table returns the quoted name of a table of rivershard in c's schema.
func (c config) table(name string) string {
	if c.schema == "" {
		return pgx.Identifier{name}.Sanitize()
	}
	return pgx.Identifier{c.schema, name}.Sanitize()
}

// checkRun reports a run name rivershard cannot use.
func checkRun(run string) error {
	switch {
	case run == "":
		return errors.New("rivershard: empty run name")
	case !utf8.ValidString(run) || strings.ContainsRune(run, 0):
		return fmt.Errorf("rivershard: run name %q is not valid UTF-8 without NUL", run)
	}
	return nil
}
