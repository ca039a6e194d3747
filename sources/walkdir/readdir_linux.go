package walkdir

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"unsafe"
)

// readOS reads the directory n of the operating system and returns its
// entries sorted by name: what os.ReadDir reads, without what it costs a
// parallel walk (issue 13). os.Open registers a directory with the
// runtime's poller in four system calls beside the open; each
// os.DirEntry is an allocation beside its name, and its path another;
// and sorting them calls Name through an interface twice a comparison.
// Here a directory costs an open, its getdents and a close; an entry one
// allocation, its path, of which its name is the tail; and the sort
// compares plain strings. As os.ReadDir does, it skips "." and "..", asks
// lstat for the type of an entry the system did not type, drops an entry
// that vanished since, and returns the entries read before an error with
// it.
func (w *walk) readOS(n *dirNode) ([]Entry, error) {
	fd, err := openFD(n.path)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	bp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bp)
	buf := *bp
	prefix, plain := w.prefix(n)
	retype := testDirentType
	// Each key is the entry's path, a NUL (which no name holds, so that
	// the keys sort as the names do) and its d_type: one allocation that
	// sorts as a plain string and becomes the Path.
	var keys []string
	var rerr error
	for {
		nb, err := readDirent(fd, buf)
		if err != nil {
			rerr = &fs.PathError{Op: "readdirent", Path: n.path, Err: err}
			break
		}
		if nb <= 0 {
			break
		}
		keys = slices.Grow(keys, records(buf[:nb]))
		for rec := buf[:nb]; len(rec) > 0; {
			if len(rec) < direntName {
				break
			}
			reclen := int(binary.NativeEndian.Uint16(rec[direntReclen:]))
			if reclen < direntName || reclen > len(rec) {
				break
			}
			name, tail := rec[direntName:reclen], [2]byte{0, rec[direntType]}
			rec = rec[reclen:]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			if string(name) == "." || string(name) == ".." {
				continue
			}
			if retype != nil {
				tail[1] = retype(w.join(n, string(name)), tail[1])
			}
			// The kernel lists no name that is empty or holds a '/', and
			// "." and ".." are gone: a name is plain.
			if plain {
				keys = append(keys, prefix+string(name)+string(tail[:]))
			} else {
				keys = append(keys, w.join(n, string(name))+string(tail[:]))
			}
		}
	}
	slices.Sort(keys)
	ents, err := w.osEntries(n, keys, len(prefix), plain)
	if rerr != nil {
		err = rerr
	}
	return ents, err
}

// osEntries returns the entries of the directory n from their sorted
// keys, as readOS makes them, and the error of an lstat that failed.
func (w *walk) osEntries(n *dirNode, keys []string, prefix int, plain bool) ([]Entry, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	des := make([]dirent, len(keys))
	ents := make([]Entry, 0, len(keys))
	for i, k := range keys {
		d := &des[i]
		d.path, d.typ = k[:len(k)-2], direntMode(k[len(k)-1])
		if plain {
			d.name = d.path[prefix:]
		} else {
			d.name = filepath.Base(d.path)
		}
		if d.typ == unknownMode {
			info, err := os.Lstat(d.path)
			if errors.Is(err, fs.ErrNotExist) {
				continue // gone since it was listed
			}
			if err != nil {
				return ents, err
			}
			d.typ = info.Mode().Type()
		}
		ents = append(ents, Entry{Path: d.path, DirEntry: d, Depth: n.depth + 1})
	}
	return ents, nil
}

// records returns how many records getdents put in buf: growing the
// keys once per read, not by doubling, saved a tenth of a walk's time.
func records(buf []byte) int {
	n := 0
	for len(buf) >= direntName {
		reclen := int(binary.NativeEndian.Uint16(buf[direntReclen:]))
		if reclen < direntName || reclen > len(buf) {
			break
		}
		buf = buf[reclen:]
		n++
	}
	return n
}

// The layout of a linux_dirent64, as getdents64 fills the buffer.
const (
	direntReclen = int(unsafe.Offsetof(syscall.Dirent{}.Reclen))
	direntType   = int(unsafe.Offsetof(syscall.Dirent{}.Type))
	direntName   = int(unsafe.Offsetof(syscall.Dirent{}.Name))
)

// testDirentType, if not nil, is set by a test, never while a walk runs:
// it replaces the d_type the system gave each entry as its directory is
// listed, with the entry's path. ext4 and tmpfs type every entry, so
// without it the lstat that an untyped entry needs (DT_UNKNOWN, as XFS
// without ftype and some network file systems give) would never run in
// a test.
var testDirentType func(path string, typ byte) byte

// unknownMode is the type of an entry the system did not type.
const unknownMode = ^fs.FileMode(0)

// direntMode returns the type of a d_type, as os does.
func direntMode(typ byte) fs.FileMode {
	switch typ {
	case syscall.DT_BLK:
		return fs.ModeDevice
	case syscall.DT_CHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case syscall.DT_DIR:
		return fs.ModeDir
	case syscall.DT_FIFO:
		return fs.ModeNamedPipe
	case syscall.DT_LNK:
		return fs.ModeSymlink
	case syscall.DT_REG:
		return 0
	case syscall.DT_SOCK:
		return fs.ModeSocket
	}
	return unknownMode
}

// direntBufs holds the buffers getdents fills, the size os uses.
var direntBufs = sync.Pool{New: func() any {
	b := make([]byte, 8<<10)
	return &b
}}

// openFD opens the directory name for reading, as os.Open would, with
// the same error.
func openFD(name string) (int, error) {
	for {
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			if err != nil {
				return -1, &fs.PathError{Op: "open", Path: name, Err: err}
			}
			return fd, nil
		}
	}
}

// readDirent is syscall.ReadDirent, retried when interrupted.
func readDirent(fd int, buf []byte) (int, error) {
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// A dirent is an entry of a directory of the operating system, as
// os.ReadDir describes it: its Info is os.Lstat of its path.
type dirent struct {
	name string
	path string
	typ  fs.FileMode
}

func (d *dirent) Name() string               { return d.name }
func (d *dirent) IsDir() bool                { return d.typ.IsDir() }
func (d *dirent) Type() fs.FileMode          { return d.typ }
func (d *dirent) Info() (fs.FileInfo, error) { return os.Lstat(d.path) }
func (d *dirent) String() string             { return fs.FormatDirEntry(d) }
