package checkpoint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// fileMagic starts every checkpoint file. The header line is
//
//	sluice-checkpoint v1 <length> <crc32c hex>\n
//
// followed by exactly length bytes of cursor, so a cursor may hold any
// bytes, newlines included, and a truncated or altered file is detected.
const (
	fileMagic   = "sluice-checkpoint"
	fileVersion = "v1"
	tempPattern = ".checkpoint-*.tmp"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// FileStore is a [Store] that keeps each name's cursor in the file of that
// name in a directory. It is safe for concurrent use; when two goroutines or
// processes save one name at once, the last rename wins.
type FileStore struct {
	dir string
}

// NewFile returns a store over the existing directory dir. A missing
// directory is an error naming it, not created: a mistyped path would
// otherwise lose every checkpoint silently on the next restart.
//
// Save leaves a temporary file named ".checkpoint-*.tmp" in dir when the
// process dies during it; Load ignores such files and they may be removed
// at any time when no Save is running.
func NewFile(dir string) (*FileStore, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("checkpoint: %s is not a directory", dir)
	}
	return &FileStore{dir: dir}, nil
}

// Dir returns the directory of s.
func (s *FileStore) Dir() string { return s.dir }

// checkFileName reports whether name can be a checkpoint file of its own:
// a single path element, not starting with "." (kept for temporary files).
func checkFileName(name string) error {
	switch {
	case name == "":
		return invalidName(name, "empty")
	case strings.ContainsAny(name, `/\`+"\x00"):
		return invalidName(name, "not a single path element")
	case strings.HasPrefix(name, "."):
		return invalidName(name, `starts with "."`)
	case !filepath.IsLocal(name) || filepath.Base(name) != name:
		return invalidName(name, "not a single path element")
	}
	return nil
}

// Load returns the cursor saved under name, or "" when none has been saved.
// A file that does not parse is an error wrapping [ErrCorrupt].
func (s *FileStore) Load(ctx context.Context, name string) (string, error) {
	if err := checkFileName(name); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("checkpoint: load %s: %w", name, err)
	}
	path := filepath.Join(s.dir, name)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("checkpoint: load %s: %w", name, err)
	}
	cursor, why := decode(b)
	if why != "" {
		return "", fmt.Errorf("%w %s: %s", ErrCorrupt, path, why)
	}
	return cursor, nil
}

// Save records cursor under name. It writes a temporary file in the
// directory, syncs it, renames it over the checkpoint and syncs the
// directory, so that after a crash at any instant the checkpoint holds
// either the old or the new cursor.
func (s *FileStore) Save(ctx context.Context, name, cursor string) error {
	if err := checkFileName(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", name, err)
	}
	if err := s.save(name, cursor); err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", name, err)
	}
	return nil
}

func (s *FileStore) save(name, cursor string) (err error) {
	f, err := os.CreateTemp(s.dir, tempPattern)
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(encode(cursor)); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(s.dir, name)); err != nil {
		return err
	}
	return syncDir(s.dir)
}

// syncDir makes a rename in dir durable. Windows cannot sync a directory,
// and its rename needs no such step to be.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func encode(cursor string) []byte {
	header := fmt.Sprintf("%s %s %d %08x\n", fileMagic, fileVersion, len(cursor),
		crc32.Checksum([]byte(cursor), castagnoli))
	return append([]byte(header), cursor...)
}

// decode returns the cursor in b, or a reason why b is not a checkpoint.
func decode(b []byte) (cursor, why string) {
	line, rest, ok := bytes.Cut(b, []byte{'\n'})
	if !ok {
		return "", "no header line"
	}
	f := strings.Fields(string(line))
	if len(f) < 2 || f[0] != fileMagic {
		return "", "not a sluice checkpoint file"
	}
	if f[1] != fileVersion {
		return "", fmt.Sprintf("unsupported version %q", f[1])
	}
	if len(f) != 4 {
		return "", "malformed header"
	}
	n, err := strconv.Atoi(f[2])
	if err != nil || n < 0 {
		return "", "malformed length"
	}
	sum, err := strconv.ParseUint(f[3], 16, 32)
	if err != nil || len(f[3]) != 8 {
		return "", "malformed checksum"
	}
	if len(rest) != n {
		return "", fmt.Sprintf("cursor is %d bytes, header says %d", len(rest), n)
	}
	if crc32.Checksum(rest, castagnoli) != uint32(sum) {
		return "", "checksum mismatch"
	}
	return string(rest), ""
}
