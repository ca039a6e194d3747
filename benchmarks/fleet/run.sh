#!/usr/bin/env bash
# run.sh measures how the workers of examples/fleet scale: the same copy of
# a bucket of 100,000 keys into a PostgreSQL table, with 50 ms added to
# every S3 request (-s3-delay: the round trip of a distant S3, added to the
# gateway on this machine), by 1 worker process and by 4 (and by 1 process
# working 4 jobs at once, and by 1 and 4 processes without the delay), in
# interleaved rounds, and prints the wall times, the ratio of the medians
# against the target (4 processes at least 3 times faster than 1), and the
# CPU that the gateway, PostgreSQL and the workers spent: with the copies
# without delay, what says whether the machine bounds the ratio.
#
# Usage, from anywhere (it runs from the repository's root):
#
#	benchmarks/fleet/run.sh
#	ROUNDS=5 CONFIGS="1x1 4x1 1x4" benchmarks/fleet/run.sh
#
# Environment:
#
#	ROUNDS    rounds (default 3); each runs every configuration once, in
#	          an order that rotates from round to round
#	CONFIGS   the configurations, PROCESSESxJOBS[@DELAY]: worker processes,
#	          shard jobs each works at once (-concurrency), and the delay
#	          if not DELAY (default "1x1 4x1 1x4 1x1@0s 4x1@0s": the copies
#	          without delay show what the machine's CPU allows)
#	SHARDS    -shards of the plan (default 32)
#	PAGE      -page, keys per ListObjectsV2 request (default 1000)
#	DELAY     -s3-delay of the workers and the planner (default 50ms)
#	PREFIX    the prefix copied (default "", the bucket's root, whose top
#	          level is the one common prefix logs/: the plan looks through
#	          logs/2026/11/27/ and cuts at its 100 common prefixes)
#	SPLIT_AFTER
#	          -split-after of the workers (default: the worker's, 30s); a
#	          shard that runs longer gives half its rest to a new job when
#	          no job waits
#	KEYS      keys in the bucket (default 100000: 100 directories of KEYS/100)
#	RESULTS   where the raw numbers and the report go (default .cache/bench)
#	SLUICE_TEST_POSTGRES, SLUICE_TEST_S3, SLUICE_TEST_S3_ROOT,
#	SLUICE_TEST_S3_ACCESS_KEY, SLUICE_TEST_S3_SECRET_KEY,
#	SLUICE_TEST_S3_REGION
#	          running services to use (as ./test.sh's, see internal/testenv);
#	          without them it starts its own as ./test.sh does, and stops
#	          them on exit
#
# Data: the bucket fleet-KEYS (KEYS empty objects, written as files into
# the gateway's directory, as internal/testenv/s3env.NewFileBucket does) is
# made once and kept, and reused, as long as the gateway keeps its
# directory. Each copy starts from an empty database sluice_bench_fleet
# (its schema public dropped and made again), is planned (untimed: the
# plan's time is reported beside), then timed from the start of the
# workers to the exit of the last (each runs with -exit), and checked:
# the table must hold KEYS rows, each key once.
#
# CPU: the gateway's from /proc/PID/stat (utime+stime) before and after,
# which counts whatever else it served meanwhile (on a shared machine, the
# tests of others): an upper bound of what the copy cost it; beside it,
# gateway_others_s, what it spent in the 3 s before the copy, scaled to
# the copy's wall time: a guess of the part that was others'; PostgreSQL's
# as the sum over the backends of the database, sampled every 0.2 s (a
# lower bound: what a backend spent after its last sample is lost); the
# workers' from /usr/bin/time.
#
# Time: start_s is how long after the workers' start the first job began
# (the processes start, connect, and their River clients start), stop_s
# how long after the last job was completed the last worker exited (it
# sees the run finished, polling every 250 ms, and stops River's client).
# A job's completion time is River's finalized_at, which rivershard's
# JobCompleteTx sets from the worker's clock as the shard's last batch
# commits (sluice_shards.done_at is now(), the start of that batch's
# transaction, up to a batch of rows earlier).
#
# Output: the report on stdout (the step log on stderr), also saved with
# the raw numbers (TSV) under $RESULTS.
set -euo pipefail
step() { printf '==> %s (%ds)\n' "$*" "$SECONDS" >&2; }
die() {
	printf 'run.sh: %s\n' "$@" >&2
	exit 1
}

ROUNDS=${ROUNDS:-3}
CONFIGS=${CONFIGS:-1x1 4x1 1x4 1x1@0s 4x1@0s}
SHARDS=${SHARDS:-32}
PAGE=${PAGE:-1000}
DELAY=${DELAY:-50ms}
PREFIX=${PREFIX-}
SPLIT_AFTER=${SPLIT_AFTER-}
KEYS=${KEYS:-100000}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS=$ROUNDS: want a positive number"
[[ $KEYS =~ ^[1-9][0-9]*00$ ]] || die "KEYS=$KEYS: want a positive multiple of 100"
read -r -a configs <<<"$CONFIGS"
for c in "${configs[@]}"; do
	[[ $c =~ ^[1-9][0-9]*x[1-9][0-9]*(@[0-9.]+(ms|s))?$ ]] || die "CONFIGS: $c is not PROCESSESxJOBS[@DELAY]"
done
[ -z "${RESULTS:-}" ] || RESULTS=$(realpath -m "$RESULTS")
command -v psql >/dev/null || die "psql is missing (Debian/Ubuntu: sudo apt-get install postgresql-client)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian/Ubuntu: sudo apt-get install time)"

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RESULTS=${RESULTS:-$PWD/.cache/bench}

# shellcheck source=internal/testenv/services.sh
source internal/testenv/services.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-fleet.XXXXXX")
cleanup() {
	stop_services
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

step "building examples/fleet/plan and examples/fleet/worker"
go build -o "$work/" ./examples/fleet/plan ./examples/fleet/worker
commit="$(git rev-parse --short HEAD 2>/dev/null || echo '?')"
[ -z "$(git status --porcelain -- examples/fleet shard sources/s3list sinks/pgcopy 2>/dev/null)" ] || commit+=" with uncommitted changes"

services_are="given in SLUICE_TEST_*"
if [ -z "${SLUICE_TEST_POSTGRES:-}" ] || [ -z "${SLUICE_TEST_S3:-}" ]; then
	services_are="started by run.sh"
	ensure_postgres_server || die "see above; or give running services in SLUICE_TEST_*"
	step "starting PostgreSQL and the S3 gateway"
	start_services "$work" || die "see above"
fi
for v in SLUICE_TEST_S3_ROOT SLUICE_TEST_S3_ACCESS_KEY SLUICE_TEST_S3_SECRET_KEY SLUICE_TEST_S3_REGION; do
	[ -n "${!v:-}" ] || die "$v is not set: the bucket's objects are written as files into the gateway's directory"
done
export AWS_ACCESS_KEY_ID=$SLUICE_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SLUICE_TEST_S3_SECRET_KEY
export AWS_CONFIG_FILE=/nonexistent/aws/config AWS_SHARED_CREDENTIALS_FILE=/nonexistent/aws/credentials
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_SESSION_TOKEN

# --- the processes whose CPU is measured ---------------------------------
hostport=${SLUICE_TEST_S3#*://}
hostport=${hostport%%/*}
gw=$(pgrep -f "versitygw .*--port $hostport" | head -n 1 || true)
[ -n "$gw" ] || die "found no versitygw process serving $hostport (pgrep -f 'versitygw .*--port $hostport')"
tck=$(getconf CLK_TCK)
# cpu PID: utime+stime of PID, in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# sample_backends FILE: every 0.2 s until killed, a line "PID TICKS" for
# each backend of the database $db (ps shows "postgres: USER DB HOST
# STATE"): its CPU, which the copy's backends spend and take with them
# when they exit, is their last line's.
sample_backends() {
	local p t
	while :; do
		for p in $(pgrep -f "^postgres: [^ ]+ $db "); do
			t=$(cpu "$p" 2>/dev/null) && echo "$p $t"
		done
		sleep 0.2
	done >"$1"
}

# --- data ----------------------------------------------------------------
db=sluice_bench_fleet
dsn=$SLUICE_TEST_POSTGRES
if [[ $dsn == postgres://* || $dsn == postgresql://* ]]; then
	base=${dsn%%\?*} query=${dsn#"${dsn%%\?*}"}
	DATABASE_URL="${base%%://*}://$(
		r=${base#*://}
		echo "${r%%/*}"
	)/$db$query"
else
	DATABASE_URL="$dsn dbname=$db"
fi
psql=(psql -X -q -v ON_ERROR_STOP=1)
if [ -z "$("${psql[@]}" -At "$SLUICE_TEST_POSTGRES" -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
	"${psql[@]}" "$SLUICE_TEST_POSTGRES" -c "CREATE DATABASE $db"
fi

bucket=fleet-$KEYS
# curl signs the requests (SigV4), with the hash of their empty bodies,
# which the gateway requires.
s3curl() {
	curl -sS --aws-sigv4 "aws:amz:$SLUICE_TEST_S3_REGION:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" "$@"
}
if [ "$(s3curl -o /dev/null -w '%{http_code}' -I "$SLUICE_TEST_S3/$bucket")" != 200 ]; then
	step "creating the bucket $bucket"
	s3curl --fail -o /dev/null -X PUT "$SLUICE_TEST_S3/$bucket"
fi
dir=$SLUICE_TEST_S3_ROOT/$bucket
[ -d "$dir" ] || die "the bucket $bucket is not the directory $dir"
per=$((KEYS / 100))
n=0
[ -d "$dir/logs" ] && n=$(find "$dir/logs" -type f | wc -l)
if [ "$n" != "$KEYS" ]; then
	step "writing the $KEYS objects of the bucket $bucket"
	rm -rf "${dir:?}/logs"
	(
		cd "$dir"
		awk 'BEGIN{for(d=0;d<100;d++) printf "logs/2026/11/27/%02d\n", d}' | xargs mkdir -p
		awk -v per="$per" -v n="$KEYS" 'BEGIN{for(i=0;i<n;i++) printf "logs/2026/11/27/%02d/part-%06d.gz\n", int(i/per), i}' | xargs touch
	)
fi

# --- the copies ----------------------------------------------------------
mkdir -p "$RESULTS"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
raw=$RESULTS/fleet-$stamp.tsv
out=$RESULTS/fleet-$stamp.txt
printf 'round\tconfig\twall_s\tgateway_cpu_s\tpostgres_cpu_s\tworkers_cpu_s\tload1\tshards\tsplits\tplan_s\tgateway_others_s\tstart_s\tstop_s\n' >"$raw"
common=(-dsn "$DATABASE_URL" -endpoint "$SLUICE_TEST_S3" -region "$SLUICE_TEST_S3_REGION" -path-style
	-table fleet_objects -page "$PAGE")
workerflags=()
[ -z "$SPLIT_AFTER" ] || workerflags=(-split-after "$SPLIT_AFTER")

# copy ROUND CONFIG: one timed copy, a line of $raw.
copy() {
	local round=$1 config=$2 procs jobs delay=$DELAY run i
	procs=${config%x*} jobs=${config#*x}
	if [[ $jobs == *@* ]]; then
		delay=${jobs#*@} jobs=${jobs%@*}
	fi
	run=bench-$round-$procs-$jobs-${delay//./-}
	"${psql[@]}" "$DATABASE_URL" -c "SET client_min_messages = warning" -c "DROP SCHEMA public CASCADE" -c "CREATE SCHEMA public"
	local p0 p1
	p0=$(date +%s.%N)
	"$work/plan" "${common[@]}" -s3-delay "$delay" -run "$run" -shards "$SHARDS" "s3://$bucket/$PREFIX" >"$work/plan.out"
	p1=$(date +%s.%N)
	local load g0 t0 t1 g1 sampler q b0 b1
	# What the gateway spends serving others, over 3 s before the copy.
	b0=$(cpu "$gw")
	sleep 3
	b1=$(cpu "$gw")
	load=$(cut -d' ' -f1 /proc/loadavg)
	sample_backends "$work/backends" &
	sampler=$!
	g0=$(cpu "$gw") t0=$(date +%s.%N)
	for ((i = 0; i < procs; i++)); do
		/usr/bin/time -f '%U %S' -o "$work/time.$i" \
			"$work/worker" "${common[@]}" "${workerflags[@]}" -s3-delay "$delay" -run "$run" -concurrency "$jobs" -exit "s3://$bucket/$PREFIX" \
			>"$work/worker.$i.out" 2>&1 &
	done
	local failed=0
	for ((i = 0; i < procs; i++)); do
		wait -n || failed=1
	done
	t1=$(date +%s.%N) g1=$(cpu "$gw")
	kill "$sampler"
	wait "$sampler" 2>/dev/null || true
	# Each backend's last sample; they all began after t0 (the planner's
	# have exited).
	q=$(awk '{t[$1] = $2} END {for (p in t) s += t[p]; print s + 0}' "$work/backends")
	if [ "$failed" = 1 ]; then
		tail -n 20 "$work"/worker.*.out >&2
		die "a worker of $run failed (see above)"
	fi
	local rows keys shards splits first last
	read -r rows keys shards splits first last < <("${psql[@]}" -At -F ' ' "$DATABASE_URL" -c \
		"SELECT (SELECT count(*) FROM fleet_objects), (SELECT count(DISTINCT key) FROM fleet_objects),
		(SELECT count(*) FROM sluice_shards), (SELECT count(*) FROM sluice_shards WHERE parent IS NOT NULL),
		(SELECT extract(epoch FROM min(attempted_at)) FROM river_job), (SELECT extract(epoch FROM max(finalized_at)) FROM river_job)")
	if [ "$rows" != "$KEYS" ] || [ "$keys" != "$KEYS" ]; then
		die "$run: the table holds $rows rows of $keys keys, want $KEYS of $KEYS"
	fi
	local wcpu
	wcpu=$(cat "$work"/time.* | awk '{s += $1 + $2} END {printf "%.2f", s}')
	rm -f "$work"/time.*
	local wall
	wall=$(echo "$t1 - $t0" | bc)
	printf '%s\t%s\t%.3f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t%.3f\t%.2f\t%.2f\t%.2f\n' "$round" "$config" \
		"$wall" "$(echo "($g1 - $g0) / $tck" | bc -l)" "$(echo "$q / $tck" | bc -l)" \
		"$wcpu" "$load" "$shards" "$splits" "$(echo "$p1 - $p0" | bc)" \
		"$(echo "($b1 - $b0) / $tck / 3 * $wall" | bc -l)" "$(echo "$first - $t0" | bc -l)" "$(echo "$t1 - $last" | bc -l)" |
		tee -a "$raw" >&2
}

step "$ROUNDS rounds of ${configs[*]}: $KEYS keys, $SHARDS shards, pages of $PAGE, $DELAY a request"
for ((r = 1; r <= ROUNDS; r++)); do
	k=${#configs[@]}
	for ((j = 0; j < k; j++)); do
		copy "$r" "${configs[$(((j + r - 1) % k))]}"
	done
done

# --- the report ----------------------------------------------------------
cpu_model=$(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
	echo "examples/fleet: a bucket of $KEYS keys into a table, by 1 worker process and by several"
	echo
	echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine:  $(nproc) cores ($cpu_model), Linux $(uname -r); load at the start of each copy in the table"
	echo "go:       $(go version | sed 's/^go version //')"
	echo "sluice:   examples/fleet at $commit"
	echo "services: $services_are; Versity S3 Gateway pid $gw, PostgreSQL $(psql -X -At "$DATABASE_URL" -c 'SHOW server_version') "
	echo "data:     bucket $bucket, $KEYS empty objects in 100 directories of $per"
	echo "copy:     ROUNDS=$ROUNDS CONFIGS=\"$CONFIGS\" SHARDS=$SHARDS PAGE=$PAGE DELAY=$DELAY PREFIX=$PREFIX SPLIT_AFTER=$SPLIT_AFTER benchmarks/fleet/run.sh"
	echo "          each copy planned afresh (untimed, plan_s), then timed from the workers' start to the last one's exit"
	echo
	column -t -s $'\t' "$raw"
	echo
	echo "medians, in seconds: the wall time; the CPU of the gateway (all it did), of the gateway less"
	echo "gateway_others_s (the copy's share, a guess), of PostgreSQL's backends and of the workers;"
	echo "and the CPU of the copy (the guess, PostgreSQL, the workers) over the machine's $(nproc) cores:"
	echo "the wall time the copy needs at least, on an idle machine"
	printf '%-8s %8s %15s %8s %8s %8s %8s %8s\n' config wall "(min-max)" gateway "gw-less" postgres workers "cpu/$(nproc)"
	for c in "${configs[@]}"; do
		awk -F'\t' -v c="$c" -v cores="$(nproc)" 'NR > 1 && $2 == c {n++; w[n] = $3; g[n] = $4; o[n] = $4 - $11; p[n] = $5; k[n] = $6; f[n] = ($4 - $11 + $5 + $6) / cores}
			function med(a, n,   i, j, t) {
				for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
				return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
			}
			END {m = med(w, n); printf "%-8s %8.2f %15s %8.2f %8.2f %8.2f %8.2f %8.2f\n", c, m, sprintf("(%.1f-%.1f)", w[1], w[n]), med(g, n), med(o, n), med(p, n), med(k, n), med(f, n)}' "$raw"
	done
	if [[ " ${configs[*]} " == *" 1x1 "* && " ${configs[*]} " == *" 4x1 "* ]]; then
		awk -F'\t' 'NR > 1 {w[$2, ++n[$2]] = $3; rw[$2, $1] = $3}
			function med(c,   i, j, t, a, m) {
				m = n[c]; for (i = 1; i <= m; i++) a[i] = w[c, i]
				for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
				return m % 2 ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2
			}
			END {
				r = med("1x1") / med("4x1"); printf "\n4 processes against 1: %.2fx faster (median wall times); target >= 3x: %s\n", r, (r >= 3 ? "met" : "MISSED")
				printf "in each round (its copies ran one after the other, at about the same load):"
				for (i = 1; i <= n["1x1"] && i <= n["4x1"]; i++) printf " %.2fx", rw["1x1", i] / rw["4x1", i]
				printf "\n"
				if (n["4x1@0s"] > 0) printf "4 processes cannot copy faster than without the delay, at the same load: the ratio is at most 1x1 / 4x1@0s = %.2fx\n", med("1x1") / med("4x1@0s")
			}' "$raw"
	fi
	echo
	echo "raw: $raw"
} | tee "$out"
