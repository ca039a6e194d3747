package watch

// OpenWatchers returns how many watches are open (fsnotify watchers, and
// pollers in the polling mode), for the conformance suite's Open.
func OpenWatchers() int { return int(openWatchers.Load()) }

// Held is the most events the watcher can hold in memory besides the
// kernel's queue, which must be filled past both to overflow it: those in
// fsnotify's read buffer (4096 at most), in its Events channel, and in
// the watcher's queue (what one next handles).
const Held = 4096 + 2*eventBuffer
