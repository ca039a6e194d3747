package watch

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/fsnotify/fsnotify"
)

var (
	// ErrWatchLimit is wrapped by the error for a directory that could
	// not be watched because the per-user inotify watch limit was reached
	// (ENOSPC from inotify_add_watch). The limit is the sysctl
	// fs.inotify.max_user_watches; inside a user namespace (a container),
	// user.max_inotify_watches of each namespace up to the machine's
	// applies too.
	ErrWatchLimit = errors.New("watch: inotify watch limit reached; raise it with sysctl fs.inotify.max_user_watches")

	// ErrRootGone is wrapped by the error that ends a watch whose root was
	// removed or renamed.
	ErrRootGone = errors.New("watch: root removed or renamed")

	// ErrRescanned is wrapped by the Reason of a Rescan event that
	// Options.AutoRescan has handled: the differences between the known
	// state and a walk of the tree were reported before it.
	ErrRescanned = errors.New("watch: tree re-listed, differences reported")

	errNoRoot = errors.New("watch: empty root")
)

// addError describes the failure to watch dir, keeping the cause
// reachable with errors.Is (syscall.ENOSPC, fs.ErrNotExist, fs.ErrPermission).
func addError(dir string, err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w: watching %s: %w", ErrWatchLimit, dir, err)
	}
	return fmt.Errorf("watch: watching %s: %w", dir, err)
}

func overflowError() error {
	return fmt.Errorf("watch: events lost: %w (consider raising sysctl fs.inotify.max_queued_events)", fsnotify.ErrEventOverflow)
}
