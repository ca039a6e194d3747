//go:build linux

package watch_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-go/sluice/sources/watch"
)

// The inotify watch limit is reached for real in a child process run in a
// user namespace of its own, whose limit (user.max_inotify_watches, which
// the kernel keeps per user namespace and checks at every level) the
// child may lower without touching the machine's: the test binary
// re-executes itself as that child.
const limitChildEnv = "SLUICE_WATCH_LIMIT_CHILD"

// childLimit is the number of watches the child may hold.
const childLimit = 8

// TestWatchLimit runs TestWatchLimitChild with the limit lowered to
// childLimit watches.
func TestWatchLimit(t *testing.T) {
	if os.Getenv(limitChildEnv) != "" {
		t.Skip("in the child")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestWatchLimitChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), limitChildEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	out, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState == nil {
		// The kernel refused the namespace (user namespaces disabled, or
		// a container without the right): the limit cannot be lowered for
		// this process alone, and lowering the machine's would break
		// every other watch running. A property of the kernel, not a
		// service the test command could provide, so a skip even in CI.
		t.Skipf("no user namespace here (%v): cannot lower the watch limit for one process", err)
	}
	t.Logf("child:\n%s", out)
	if err != nil {
		t.Fatalf("child failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestWatchLimitChild") {
		t.Fatal("the child did not run TestWatchLimitChild")
	}
}

// TestWatchLimitChild is the child of TestWatchLimit: it lowers its user
// namespace's watch limit and watches trees that need more.
func TestWatchLimitChild(t *testing.T) {
	if os.Getenv(limitChildEnv) == "" {
		t.Skip("run by TestWatchLimit in a user namespace")
	}
	const sysctl = "/proc/sys/user/max_inotify_watches"
	if err := os.WriteFile(sysctl, fmt.Appendf(nil, "%d\n", childLimit), 0); err != nil {
		t.Fatalf("lowering the limit: %v", err)
	}

	// Setup: a tree of more directories than the limit fails the watch
	// with ErrWatchLimit, naming the sysctl, before Stream returns.
	t.Run("Setup", func(t *testing.T) {
		root := t.TempDir()
		mkdirs(t, root, 2*childLimit)
		events, stop := watch.Stream(context.Background(), root, nil, nil)
		for e := range events {
			t.Errorf("event from a failed watch: %v", e)
		}
		err := stop()
		if !errors.Is(err, watch.ErrWatchLimit) || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("stop() = %v, want ErrWatchLimit wrapping ENOSPC", err)
		}
		if !strings.Contains(err.Error(), "fs.inotify.max_user_watches") {
			t.Errorf("the error does not name the sysctl: %v", err)
		}
		if n := watch.OpenWatchers(); n != 0 {
			t.Errorf("%d watchers left open", n)
		}
		t.Logf("error: %v", err)
	})

	// Later: directories created after setup that cannot be watched are
	// a Rescan whose Reason wraps ErrWatchLimit, and the watch goes on.
	t.Run("Later", func(t *testing.T) {
		root := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a watchdog
		defer cancel()
		events, stop := watch.Stream(ctx, root, nil, nil)
		defer stop()
		mkdirs(t, root, 2*childLimit)
		var limit error
		for limit == nil {
			e, ok := <-events
			if !ok {
				t.Fatalf("stream ended: %v", stop())
			}
			if e.Op == watch.Rescan && errors.Is(e.Reason, watch.ErrWatchLimit) {
				limit = e.Reason
			}
		}
		t.Logf("Rescan: %v", limit)
		marker := filepath.Join(root, "after")
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		for e := range events {
			if e.Path == marker && e.Op.Has(watch.Create) {
				return
			}
		}
		t.Fatalf("stream ended before the Create of %s: %v", marker, stop())
	})
}

func mkdirs(t *testing.T, root string, n int) {
	t.Helper()
	for i := range n {
		if err := os.Mkdir(filepath.Join(root, fmt.Sprintf("d%02d", i)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
