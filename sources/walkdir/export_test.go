package walkdir

import "io/fs"

// NewFSSharder is a Sharder of All(ctx, fsys, root, opts), for the tests:
// the file systems that make a read fail or stall on demand are fs.FSs,
// and a shard's reader walks them with the code it walks Dir's tree with.
func NewFSSharder(fsys fs.FS, root string, opts *Options) (*Sharder, error) {
	return newSharder(fsys, false, root, opts)
}
