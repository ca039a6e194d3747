// Package walkdir streams the entries of a directory tree, in the order
// of fs.WalkDir, as a sluice source: cancellable, resumable, and read
// ahead in parallel when asked.
//
// All walks an fs.FS and Dir walks the operating system's directories
// (os.Lstat, os.ReadDir, real paths, symbolic links); Stream and
// DirStream are their channel forms.
//
// It imports only the standard library, the root package and the
// module's internal cursor and cancel packages: it compiles nothing
// outside the standard library.
//
//	for e, err := range walkdir.All(ctx, fsys, ".", nil) {
//		if err != nil {
//			return err // the walk failed, or ctx was canceled: never silent
//		}
//		use(e)
//	}
//
// # Ordering
//
// Entries come in lexical order, exactly as fs.WalkDir (for All) and
// filepath.WalkDir (for Dir) give them: a directory, then its entries
// sorted by name, each directory's entries before its next sibling. This
// is not the sorted order of the paths ("a/b" comes before "a.txt"), but
// it is a total order that every form of the walk keeps, sequential or
// parallel, which is what makes resumption sound.
//
// # Resuming
//
// Entry.Cursor returns an opaque string naming the entry's place in the
// walk. A walk of the same root with Options.After set to it continues
// strictly after that entry: the entries up to it followed by the
// resumed walk are the full walk, nothing lost and nothing repeated,
// provided the tree did not change in between. The resumed walk reads
// only the directories on the path to the cursor and those after it:
// whole subtrees before it are pruned, not walked and discarded. An
// entry removed since the cursor was taken does not matter: the walk
// continues with what sorts after it. A cursor that is malformed, of an
// unknown version, or not under root is an error wrapping ErrBadCursor,
// worded `walkdir: bad cursor "<cursor>": <why>`, never a silent full
// walk.
//
// # Cancellation
//
// The walk checks its context before each entry. When the context is
// done it ends with an error for which errors.Is(err, ctx.Err()) holds.
// A read already inside the file system (os.ReadDir, or an fs.FS's
// ReadDir) is not interrupted: the walk ends when it returns. Stream and
// DirStream build the walk with the stream's own context, so stop
// cancels it too, and stop waits for every goroutine of the walk.
//
// # Errors
//
// Invalid options, a nil fs.FS and a bad Options.After are reported when
// All, Stream, Dir or DirStream is called, before any I/O: the iterator
// yields the error as its only pair, and the channel form returns a
// closed channel whose stop returns it. A root that cannot be read yields
// a single error. A directory that
// cannot be read, and, with FollowSymlinks, a symbolic link that leads
// back to an ancestor (ErrLoop), go to Options.OnError, which decides
// whether the walk goes on; by default it ends with that error. Errors
// are prefixed "walkdir: " and wrap the cause, usually an *fs.PathError,
// so errors.Is(err, fs.ErrNotExist) and errors.As still work.
//
// # Shards
//
// A Sharder (NewSharder) cuts the walk Dir makes into shards (package
// shard), so that processes on many machines each read a disjoint part of
// one tree: Split cuts it, Open reads one shard, as an ordinary source
// bounded to its range that resumes after a cursor, and a running
// reader's Split gives away the part it has not yet read.
//
// A shard's Start and End are positions in the walk: paths relative to
// root ("a/b" for root/a/b, "." for root itself, "" for the start or the
// end of the walk), in walk order (see Ordering), Start inclusive, End
// exclusive. A position need not name an entry that exists: entries are
// placed by their paths alone, so a tree changed between the Split and
// the reads is still read once, each entry by the shard whose range holds
// its path. Split cuts between subtrees and between the entries of one
// directory: it reads the top of the tree, breadth first, up to a bound,
// and estimates the rest, so that one huge directory is cut among its
// entries and a deep chain between its levels.
//
// A shard's reader starts at Start as a walk resumed after a cursor does:
// it reads the directories on the path to Start and none of the subtrees
// before it. It stops before End, which its Split may narrow while it
// runs: an entry is yielded only if it lies before the End of that moment,
// checked, and recorded as the reader's cursor, under the lock Split
// takes, so that the entries of a directory listing already read beyond
// a new End are never yielded. A reader reads one directory at a time:
// NewSharder refuses Options.Workers above 1, since parallelism comes
// from running more shards. It refuses Options.After too: a shard carries
// its own cursor.
//
// Filter, OnError, MaxDepth and FollowSymlinks act within a shard as in
// Dir. Filter is asked about the entries of the shard's range, and about
// the directories on the path to its Start, as for a resumed walk, so a
// directory it leaves out with fs.SkipDir is left out of every shard.
// Its other answers that end something end it within the shard only:
// fs.SkipDir answered for a file leaves out the rest of its directory up
// to the shard's End, and fs.SkipAll, like an error, ends the shard, not
// the shards after it. A Filter that answers only nil, sluice.Skip and,
// for directories, fs.SkipDir gives the shards, together, exactly what it
// gives Dir. OnError is called for the directories a shard reads: a
// directory that holds a shard's Start is read by that shard too, so an
// error reading it reaches OnError in each shard that reads it. Split
// does not call Filter: it sizes the tree as the walk would see it
// without one, and reports no unreadable directory (the readers do).
//
// # Parallelism
//
// With Options.Workers above 1, that many goroutines read directories
// (and, with FollowSymlinks, stat symbolic links) ahead of the walk,
// nearest first in walk order, and build their entries, sorted, so that
// the walk hands over whole directories; entries are still yielded in
// exactly the order of a sequential walk. Without a Filter, a worker
// queues the subdirectories of what it read itself; with one, the walk
// queues those the Filter kept, so that a directory left out is never
// read. When the directory the walk needs next is being read, the walk
// reads the next queued one rather than sleep.
//
// Memory stays flat however large the tree: at most 8 directories per
// worker are read and waiting to be walked at any time, and the walk
// holds besides only the listings of the directories on its current path
// and a small record for each subdirectory queued and not yet read (no
// more than the subdirectories in the listings held). Filter and OnError
// are always called from the walking goroutine, never concurrently. The
// workers start when the walk is ranged and have all exited when it
// ends, however it ends.
//
// On Linux, Dir and DirStream list a directory with the getdents system
// call themselves rather than through os.ReadDir (which registers each
// directory with the runtime's poller); an Entry's DirEntry describes the
// entry as os.ReadDir's would, and its Info is os.Lstat of its path.
package walkdir
