package walkdir

import (
	"errors"
	"io/fs"
	"syscall"
)

// Transient reports whether err, the error that ended a walk, is a
// failure that the same walk resumed a moment later may get past: the
// classifier to give sluice.ResumeOptions.Transient.
//
//	open := func(ctx context.Context, after string) iter.Seq2[walkdir.Entry, error] {
//		return walkdir.Dir(ctx, root, &walkdir.Options{After: after})
//	}
//	entries := sluice.Resume(ctx, open, walkdir.Entry.Cursor, &sluice.ResumeOptions{Transient: walkdir.Transient})
//
// Transient are:
//   - a directory that does not exist when the walk opens it to read it
//     (fs.ErrNotExist from "open" or "readdir"): its parent listed it,
//     so it vanished while the walk went on, as a directory being
//     replaced (renamed away and back, a deployment swapping a tree)
//     does. Resumed after the last entry delivered, the directory
//     itself, the walk reads it if it is back, and goes on after it if
//     it is not, as a cursor whose entry is gone resumes at what sorts
//     after it: a subtree that stays gone is left out, never a value
//     repeated;
//   - the process or the system out of file descriptors (EMFILE,
//     ENFILE), which other parts of the program give back;
//   - a network file system's stale handle or timeout (ESTALE,
//     ETIMEDOUT).
//
// Not transient are a root that does not exist ("stat" or "lstat" of the
// root: a mistake, not a race, which a retry would only delay), a
// permission denied, an I/O error (EIO: a failing disk is not helped by
// reading it again), a symbolic link loop (ErrLoop), a bad cursor
// (ErrBadCursor), a Filter's or OnError's own error, invalid options and
// a canceled context.
//
// A caller that wants a vanished directory skipped at once, rather than
// after a retry's delay, answers its error with nil in Options.OnError.
func Transient(err error) bool {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return false // no file system call failed: a cursor, a Filter, a cancellation
	}
	switch {
	case errors.Is(pe.Err, fs.ErrNotExist):
		// A directory read: os.Open and os.ReadDir report "open",
		// fs.ReadDir of another fs.FS may report "readdir". The root's
		// own stat reports "stat" or "lstat".
		return pe.Op == "open" || pe.Op == "readdir"
	case errors.Is(pe.Err, syscall.EMFILE), errors.Is(pe.Err, syscall.ENFILE),
		errors.Is(pe.Err, syscall.ESTALE), errors.Is(pe.Err, syscall.ETIMEDOUT):
		return true
	}
	return false
}
