package main

import (
	"context"
	"time"

	"github.com/sluice-go/sluice/sources/watch"
)

var watchCommand = &command{
	name:     "watch",
	synopsis: watchSynopsis,
	summary:  "the changes under DIR, as they happen, until interrupted",
	run:      runWatch,
	flags:    func(*env) *flagSet { fs, _ := watchFlags(); return fs },
}

const watchSynopsis = "watch [flags] DIR"

const watchAbout = `
Watch prints the changes under DIR, watched recursively (inotify), as they
happen, until it is interrupted (Ctrl-C, SIGTERM; exit code 130) or has
printed --limit changes. Directories named .git and node_modules are not
watched. Each line is

	{"path":"DIR/a.txt","op":"CREATE"}

with op CREATE, WRITE, REMOVE, RENAME or CHMOD, or several joined by "|"
with --debounce; or RESCAN when the watcher lost track of path and what is
below it (the kernel's queue overflowed, or a directory could not be
watched), with the reason:

	{"path":"DIR","op":"RESCAN","reason":"…"}

A path that is not valid UTF-8 is printed as {"bytes":"<base64>"} instead,
as walk prints it. The text format prints the op and the path. Changes have no cursor: a watch
cannot be resumed, and --after and --checkpoint do not apply. --existing
first prints the paths already there as CREATE.`

type watchOptions struct {
	debounce time.Duration
	existing bool
}

func watchFlags() (*flagSet, *watchOptions) {
	fs := newFlagSet("watch", watchSynopsis, watchAbout)
	o := &watchOptions{}
	fs.DurationVar(&o.debounce, "debounce", 0, "report each path at most once per `interval`, its ops joined (0: every event)")
	fs.BoolVar(&o.existing, "existing", false, "first report the files and directories already under DIR as CREATE")
	return fs, o
}

func runWatch(ctx context.Context, e *env, args []string) error {
	fs, o := watchFlags()
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("watch", "want one directory, got %d arguments", len(pos))
	}
	if err := fs.noCursor("changes have no cursor, a watch cannot be resumed"); err != nil {
		return err
	}
	r, err := start(e, fs, "watch", "")
	if err != nil {
		return err
	}
	defer r.close()
	r.showProgress(0, false)
	// One event at a time: a watch's events are few, and its channel
	// form adds the watches before it returns, so that no change made
	// once sluice has started is missed.
	var src stream[watch.Event]
	src.values, src.stop = watch.Stream(ctx, pos[0], &watch.Options{Debounce: o.debounce, Existing: o.existing}, r.streamOptions())
	return drive(ctx, r, src, watchPrinter)
}

var watchPrinter = &printer[watch.Event]{
	json: func(b []byte, e watch.Event) []byte {
		b = appendField(b, "path")
		b = appendString(b, e.Path)
		b = appendField(b, "op")
		b = appendString(b, e.Op.String())
		if e.Reason != nil {
			b = appendField(b, "reason")
			b = appendString(b, e.Reason.Error())
		}
		return b
	},
	text: func(b []byte, e watch.Event) []byte {
		b = append(b, e.Op.String()...)
		b = append(b, ' ')
		return append(b, e.Path...)
	},
}
