package main

import (
	"context"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/sluice-go/sluice/sources/walkdir"
)

var walkCommand = &command{
	name:     "walk",
	synopsis: walkSynopsis,
	summary:  "the files and directories under DIR, in lexical order",
	run:      runWalk,
	flags:    func(*env) *flagSet { f, _ := walkFlags(); return f },
}

const walkSynopsis = "walk [flags] DIR"

const walkAbout = `
Walk prints the entries of the directory tree rooted at DIR, DIR first, in
the order of filepath.WalkDir (each directory's entries sorted by name),
without following symbolic links. Each line is

	{"path":"DIR/a/b.txt","type":"file","size":1234,"mode":"-rw-r--r--","mod_time":"2026-11-27T10:00:00.123456789Z","cursor":"…"}

with type one of dir, file, symlink, pipe, socket, device, other. An entry
removed during the walk has no size, mode or mod_time. The text format
prints the path.`

func walkFlags() (*flagSet, *int) {
	f := newFlagSet("walk", walkSynopsis, walkAbout)
	workers := f.Int("workers", 0, "read directories ahead with `N` goroutines (the order is the same)")
	return f, workers
}

func runWalk(ctx context.Context, e *env, args []string) error {
	flags, workers := walkFlags()
	pos, err := flags.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("walk", "want one directory, got %d arguments", len(pos))
	}
	dir := pos[0]
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	r, err := start(e, flags, "walk", "walk "+abs)
	if err != nil {
		return err
	}
	defer r.close()
	if r.done {
		return nil
	}
	ch, stop := walkdir.DirStream(ctx, dir, &walkdir.Options{After: r.after, Workers: *workers, StreamOptions: r.streamOptions()})
	return drive(ctx, r, ch, stop, walkRecord)
}

func walkRecord(e walkdir.Entry) record {
	rec := record{text: e.Path, cursor: e.Cursor()}
	rec.fields = append(rec.fields, field{"path", e.Path}, field{"type", fileType(e.Type())})
	if info, err := e.Info(); err == nil {
		rec.fields = append(rec.fields,
			field{"size", info.Size()},
			field{"mode", info.Mode().String()},
			field{"mod_time", info.ModTime().UTC().Format(time.RFC3339Nano)})
	}
	return rec
}

func fileType(m fs.FileMode) string {
	switch t := m.Type(); {
	case t == 0:
		return "file"
	case t&fs.ModeDir != 0:
		return "dir"
	case t&fs.ModeSymlink != 0:
		return "symlink"
	case t&fs.ModeNamedPipe != 0:
		return "pipe"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeDevice != 0:
		return "device"
	}
	return "other"
}
