package rivershard

import (
	"github.com/sluice-go/sluice/shard"
)

// Kind is the River job kind of a shard's job, the Kind of [Args].
const Kind = "sluice_shard"

// Args are the arguments of a shard's job: the run it belongs to and the
// shard it reads. In River's jobs table (river_job.args) they are
//
//	{"run": "nightly", "shard": "v1:source=…&start=…&end=…"}
//
// with "parent": the ID of the job it was split from, for a shard split
// off a running one. The shard is the one planned or split off: the
// worker reads its job's shard as it now stands (End narrowed by later
// splits, the cursor of the last batch committed) from rivershard's own
// tables, where each change commits in the transaction that makes it.
type Args struct {
	Run    string      `json:"run"`
	Shard  shard.Shard `json:"shard"`
	Parent int64       `json:"parent,omitempty"`
}

// Kind returns [Kind], River's name for the jobs of shards.
func (Args) Kind() string { return Kind }
