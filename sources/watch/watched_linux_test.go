package watch_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// watched reports whether an inotify instance of this process watches
// dir, as /proc/self/fdinfo lists the inodes they watch.
func watched(t *testing.T, dir string) (watched, ok bool) {
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := fi.Sys().(*syscall.Stat_t).Ino
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if l, _ := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); l != "anon_inode:inotify" {
			continue
		}
		info, err := os.ReadFile(filepath.Join("/proc/self/fdinfo", fd.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		for line := range strings.Lines(string(info)) {
			var wd int
			var ino uint64
			if _, err := fmt.Sscanf(line, "inotify wd:%d ino:%x", &wd, &ino); err == nil && ino == want {
				return true, true
			}
		}
	}
	return false, true
}
