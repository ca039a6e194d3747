// Sluice streams a source from the shell: the files of a directory tree,
// the lines of a file, the objects of an S3 bucket, the rows of a
// PostgreSQL query or table, the changes under a directory. It prints one
// value per line, as JSON (NDJSON) with the value's cursor, and can resume
// after any cursor, keep a checkpoint, be interrupted cleanly, and show its
// progress and metrics as it runs.
//
// It compiles the module of every source (github.com/jackc/pgx/v5, the
// AWS SDK for Go v2, github.com/fsnotify/fsnotify),
// github.com/prometheus/client_golang for --metrics,
// github.com/schollz/progressbar/v3 and golang.org/x/term for the progress
// line, github.com/johannesboyne/gofakes3 for s3 ls --demo, and what they
// require.
//
//	sluice s3 ls --demo                      # a bucket of an S3 server in memory: try it
//	sluice walk ~/src | jq -r 'select(.size > 1e6) | .path'
//	sluice lines access.log --checkpoint state/access.ckpt
//	sluice s3 ls s3://logs/2026/ --workers 8 --format text
//	sluice sql keyset orders id --dsn "$DATABASE_URL" --after "$CURSOR"
//	sluice watch . --format text
//
// Usage:
//
//	sluice COMMAND [flags] ARGS...
//	sluice help [COMMAND]
//
// The commands, each documented by "sluice help COMMAND":
//
//	walk DIR                   the entries of the tree under DIR, in lexical order
//	lines FILE|-               the lines of FILE, or of the standard input
//	s3 ls s3://BUCKET/PREFIX   the objects under PREFIX, in key order
//	sql QUERY                  the rows of a query
//	sql keyset TABLE KEY...    the rows of a table, in pages in the order of its key
//	watch DIR                  the changes under DIR, until interrupted
//
// Flags may come before or after the arguments ("sluice walk DIR --limit
// 10"); everything after "--" is an argument. A flag is written -name or
// --name, its value after "=" or as the next argument.
//
// # Output
//
// Each value is one line of JSON, its fields named in snake_case, in an
// order and with names that do not change (each command's help lists
// them). Every line of a source that can resume has a "cursor": an opaque
// string that says where the value stands in its source. --format text
// prints one plain line per value instead: walk the path, lines the text,
// s3 ls the date, size and key, sql the values separated by tabs, watch the
// operation and the path.
//
// Nothing is lost in the JSON. A string that is not valid UTF-8, which a
// JSON string cannot hold (a file name in Latin-1, a line of a file in
// another encoding), is printed as an object that carries its bytes in
// base64, as ripgrep's JSON output does, in place of the string:
//
//	{"path":{"bytes":"L2RhdGEvY2Fm6S50eHQ="},"type":"file",…,"cursor":{"bytes":"djE6L2RhdGEvY2Fm6S50eHQ="}}
//
// base64 -d gives the bytes back (jq -r '.path.bytes' | base64 -d; not
// jq's own @base64d, which replaces the bytes that are not UTF-8). A
// cursor printed so is given to --after as its bytes:
//
//	sluice walk /data --after "$(jq -r '.cursor.bytes' last.json | base64 -d)"
//
// The text format prints the bytes as they are.
//
// The output is buffered: written when 64 KiB have accumulated, at least
// every 100 ms, and at the end.
//
// # Resuming
//
// --after CURSOR starts strictly after the value whose cursor it is: the
// output of a run up to a line, followed by the output of a run with
// --after that line's cursor, is the output of one whole run, nothing lost
// and nothing repeated, as long as the source did not change in between.
// A cursor that is malformed or does not belong to the source is an error,
// never a silent start from the beginning.
//
// --checkpoint FILE records in FILE the cursor of the last line that
// reached stdout, at most four times a second and at the end, and the next
// run with the same FILE starts after it. When the source was read to its
// end, FILE says so, and the next run prints nothing and exits 0; remove
// FILE to start again. FILE is written atomically (a temporary file
// renamed over it, and synced, by package checkpoint's FileStore over
// FILE's directory, which must exist). It also records the command and the
// source (for example "walk /abs/dir"), and a checkpoint of another source
// is refused. With both, --after wins: the run starts after it, and FILE
// records the run from there.
//
// watch and sql QUERY have no cursors: their lines have no "cursor", and
// --after and --checkpoint are usage errors (use sql keyset to resume a
// scan of a table).
//
// # Interrupting
//
// SIGINT (Ctrl-C) or SIGTERM stops the source, writes out what was
// buffered, saves the checkpoint, prints on stderr where to resume,
//
//	sluice: interrupted; resume with --after 'CURSOR'
//
// with the cursor of the last line that reached stdout, and exits 130. A
// second signal ends sluice at once. --limit N stops after N values, as
// cleanly, with exit code 0. When stdout is a pipe whose reader has gone
// (sluice walk / | head), sluice ends as programs do, by SIGPIPE, and
// quietly; a write that fails otherwise is an error. Either way the
// checkpoint never goes past a line that was not written in full.
//
// # Progress and metrics
//
// When stderr is a terminal and stdout is not, sluice shows a progress
// line on stderr. Where the size of the source is known, it shows the
// fraction done, what is done of the whole, the rate and the time left,
// as pv and rsync do: lines of a file counts its bytes, sql keyset the
// rows against the planner's estimate (which a full read corrects at the
// end). Elsewhere it shows the values written, their rate and the time
// elapsed. --progress shows it whatever stderr is. Otherwise sluice
// prints nothing on stderr but its errors.
//
// --metrics ADDR serves, for the length of the run, Prometheus metrics at
// http://ADDR/metrics (package observe/prom: sluice_items_total,
// sluice_send_wait_seconds, sluice_buffer_saturation,
// sluice_stream_ends_total, labeled stream="walk" and so on after the
// command, and the Go runtime's and the process's; the values travel from
// the source in batches, and the metrics count values) and the profiles of
// net/http/pprof at http://ADDR/debug/pprof/, where the goroutines of the
// source carry the label sluice.stream. ADDR is host:port; with port 0
// any free port is taken, and the address is printed on stderr.
//
// # Parallelism
//
// --workers N reads ahead with N goroutines where the source allows it:
// walk reads N directories at once, s3 ls lists N key ranges at once. The
// output is the same, in the same order, as without.
//
// # Exit codes and errors
//
//	0    the source was read to its end, or to --limit
//	1    the source could not be read (a missing directory, an unreachable
//	     endpoint or server, a bad connection string, a malformed cursor…)
//	2    the command line is wrong
//	130  interrupted by SIGINT or SIGTERM
//
// An error is one line on stderr beginning "sluice: ". When the source
// failed after some lines were written, the line ends with the --after that
// resumes it.
package main
