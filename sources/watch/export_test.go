package watch

// OpenWatchers returns how many fsnotify watchers are open, for the
// conformance suite's Open.
func OpenWatchers() int { return int(openWatchers.Load()) }

// SetReady makes All call f once its watches are in place, before it
// reports anything: the point after which a test may change the tree.
func SetReady(o *Options, f func()) { o.ready = f }
