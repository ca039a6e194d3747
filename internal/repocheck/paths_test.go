package repocheck

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// machinePath matches an absolute path that names one machine's layout:
// a home directory (a user's under /home or /Users, or root's) or the
// directory where this project was first checked out. System paths (/tmp, /usr, /proc,
// /dev, /etc, /sys, /bin…) mean the same on every Unix machine and are
// allowed. A path counts only where it starts: after the start of the
// line, a space, a quote or a punctuation mark, not inside a longer path
// or a URL ("https://example.com/work/x", "sources/work/x", "~/work").
// The pattern is spelled in pieces so that this file does not match it.
var machinePath = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.~/$})-])(/` + `(?:work|root)\b|/` +
	`(?:home|Users)/[A-Za-z0-9._-]+)`)

// machinePaths returns the machine-specific paths in line.
func machinePaths(line string) []string {
	var paths []string
	for _, m := range machinePath.FindAllStringSubmatch(line, -1) {
		paths = append(paths, m[1])
	}
	return paths
}

// TestNoMachinePaths fails naming file:line for every machine-specific
// absolute path in a file git tracks (issue 14: five BENCHMARKS.md gave
// commands that ran only in one checkout).
func TestNoMachinePaths(t *testing.T) {
	root, files := trackedFiles(t)
	for _, name := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		info, err := os.Lstat(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the working tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		if !info.Mode().IsRegular() {
			continue // a symbolic link's target is a path by design
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(data, 0) >= 0 {
			continue // binary
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, len(data)+1)
		for n := 1; sc.Scan(); n++ {
			for _, p := range machinePaths(sc.Text()) {
				t.Errorf("%s:%d: %s is a path on one machine; write it relative to the repository's root (or as $HOME, a temporary directory)", name, n, p)
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// trackedFiles returns the root of the repository, two directories up
// from this package's, and the files git tracks there, slash-separated. It
// skips t when git or the repository is missing (a module unpacked from
// the proxy has no .git), and fails it instead in CI, which must never
// pass by skipping.
func trackedFiles(t *testing.T) (root string, files []string) {
	t.Helper()
	skip := t.Skip
	if v := os.Getenv("CI"); v != "" && v != "false" && v != "0" {
		skip = t.Fatal
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		skip("repocheck: not a git checkout:", err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		skip("repocheck: no git to list the tracked files:", err)
	}
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatal("repocheck: git ls-files:", gitError(err))
	}
	for name := range strings.SplitSeq(string(out), "\x00") {
		if name != "" {
			files = append(files, name)
		}
	}
	if len(files) == 0 {
		t.Fatal("repocheck: git ls-files lists no file")
	}
	return root, files
}

// gitError adds git's own message to err.
func gitError(err error) error {
	var exit *exec.ExitError
	if errors.As(err, &exit) && len(exit.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(exit.Stderr))
	}
	return err
}

func TestMachinePaths(t *testing.T) {
	// "@" stands for "/", so that this file holds none of the paths it
	// looks for.
	tests := []struct {
		line string
		want []string
	}{
		{"cd @work@main", []string{"@work"}},
		{"go -C @work@main@tools tool benchstat", []string{"@work"}},
		{"@work", []string{"@work"}},
		{`dir := "@home@alice@src"`, []string{"@home@alice"}},
		{"see (@Users@bob@go) and @root@.cache", []string{"@Users@bob", "@root"}},
		{"CACHE=@root", []string{"@root"}},
		{"`@home@me`", []string{"@home@me"}},
		{"@tmp@x @usr@lib @proc@net@tcp @dev@null @etc@hosts @sys@fs @bin@sh", nil},
		{"https:@@example.com@work@x", nil},
		{"sources@work@x, internal@root@y", nil},
		{"~@work@main and $HOME@work and ${HOME}@work", nil},
		{"@workspace @rooted @homes", nil},
		{"@home", nil},
		{"walkdir.All(ctx, fsys, \"root\", nil)", nil},
	}
	for _, tt := range tests {
		line := strings.ReplaceAll(tt.line, "@", "/")
		var want []string
		for _, w := range tt.want {
			want = append(want, strings.ReplaceAll(w, "@", "/"))
		}
		if got := machinePaths(line); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("machinePaths(%q) = %q, want %q", line, got, want)
		}
	}
}
