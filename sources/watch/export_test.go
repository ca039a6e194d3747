package watch

// OpenWatchers returns how many watches are open (fsnotify watchers, and
// pollers in the polling mode), for the conformance suite's Open.
func OpenWatchers() int { return int(openWatchers.Load()) }
