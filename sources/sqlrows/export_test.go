package sqlrows

// SetSample makes Split's samples hold at least rows rows, perShard for
// each shard and blocks blocks, so that a test's small tables are
// sampled, not read whole, until restore is called.
func SetSample(rows, perShard, blocks int) (restore func()) {
	r, p, b := sampleRows, samplePerShard, sampleBlocks
	sampleRows, samplePerShard, sampleBlocks = rows, perShard, blocks
	return func() { sampleRows, samplePerShard, sampleBlocks = r, p, b }
}

// SetSplitCount makes a reader's Split count at most n rows of its rest
// before it takes the planner's estimate, until restore is called.
func SetSplitCount(n int64) (restore func()) {
	c := splitCount
	splitCount = n
	return func() { splitCount = c }
}
