#!/usr/bin/env bash
# run.sh times the sluice command, as a whole process, beside the standard
# tools it replaces (find, fd, awk, jq, psql, the aws CLI), on the same
# input, and prints a table of median wall times, ratios against targets
# and peak RSS, ready to paste into BENCHMARKS.md with the commands.
#
# Usage, from anywhere (it runs from the repository root):
#
#	benchmarks/command/run.sh
#	ROUNDS=3 CASES=walk,lines-json benchmarks/command/run.sh
#	SLUICE=/tmp/sluice-old benchmarks/command/run.sh
#
# Environment:
#
#	ROUNDS    timed rounds (default 5), after one warm-up run of each command
#	CASES     the pairs to run: comma-separated numbers, names or regular
#	          expressions matched against the names (default: all); see the
#	          pair lines below for the names
#	SLUICE    the sluice binary to time (default: go build ./cmd/sluice)
#	TREE      the directory tree of the walk pairs (default /usr)
#	RESULTS   where the raw timings and the report go (default .cache/bench)
#	SLUICE_TEST_POSTGRES, SLUICE_TEST_S3, SLUICE_TEST_S3_ROOT,
#	SLUICE_TEST_S3_ACCESS_KEY, SLUICE_TEST_S3_SECRET_KEY,
#	SLUICE_TEST_S3_REGION
#	          running services to use (as ./test.sh's, see internal/testenv);
#	          without them, and if a sql or s3 pair is selected, it starts
#	          its own as ./test.sh does, and stops them on exit
#
# It needs find, awk, fdfind (Debian: fd-find), jq, psql (postgresql-client)
# and the aws CLI (awscli) for the pairs that use them, and installs the
# missing ones when run as root with apt-get; without the aws CLI it skips
# only the s3 pair. Starting the services needs the PostgreSQL server
# (postgresql, installed likewise) and builds .cache/bin/versitygw.
#
# Data: the lines file (600,000 lines, 91 MB, generated with awk) is made
# afresh in a temporary directory, removed on exit. The table big (10^6
# rows) goes into the database sluice_bench of the PostgreSQL cluster, and
# the bucket big (100,000 empty objects, written as files into the S3
# gateway's directory) into the gateway; both are kept, and reused, when
# the services outlive the run (given in SLUICE_TEST_*), and go with the
# services this script starts.
#
# Output: the report on stdout (the step log on stderr), also saved with
# the raw per-run timings (TSV) under $RESULTS, whose paths it prints. It
# exits nonzero if a command of a pair fails; a target missed is not a
# failure.
#
# The commands of the pairs are in single quotes on purpose: the shell that
# runs each expands its variables.
# shellcheck disable=SC2016
set -euo pipefail
step() { printf '==> %s (%ds)\n' "$*" "$SECONDS" >&2; }
die() {
	printf 'run.sh: %s\n' "$@" >&2
	exit 1
}

ROUNDS=${ROUNDS:-5}
CASES=${CASES:-}
TREE=${TREE:-/usr}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS=$ROUNDS: want a positive number"
[ -d "$TREE" ] || die "TREE=$TREE is not a directory"
# Absolute paths, before leaving the current directory; a TREE that is a
# symbolic link becomes the directory itself, which find would not enter.
TREE=$(realpath -e "$TREE")
[ -z "${SLUICE:-}" ] || SLUICE=$(realpath -e "$SLUICE") || die "SLUICE=$SLUICE: no such file"
[ -z "${RESULTS:-}" ] || RESULTS=$(realpath -m "$RESULTS")

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
RESULTS=${RESULTS:-$root/.cache/bench}

# shellcheck source=internal/testenv/services.sh
source internal/testenv/services.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
cleanup() {
	stop_services
	rm -rf "$work"
}
trap cleanup EXIT
# Make a signal end the script through exit, so the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# --- the programs --------------------------------------------------------
# The commands of the pairs name sluice and the tools by their names, found
# in $work/bin first: sluice is there, and so is any tool found under
# another path.
mkdir "$work/bin"
export PATH=$work/bin:$PATH
step "building pairs"
go build -o "$work/pairs" ./benchmarks/command/pairs
if [ -n "${SLUICE:-}" ]; then
	[ -x "$SLUICE" ] || die "SLUICE=$SLUICE is not an executable file"
	ln -s "$SLUICE" "$work/bin/sluice"
	sluice_is="$SLUICE (from \$SLUICE)"
	# The commit it was built from, if go build recorded it.
	rev=$(go version -m "$SLUICE" 2>/dev/null | awk '$1 == "build" && $2 ~ /^vcs\.(revision|modified)=/ {sub(/^vcs\./, "", $2); printf " %s", $2}' || true)
	[ -z "$rev" ] || sluice_is+=",$rev"
else
	step "building sluice"
	go build -o "$work/bin/sluice" ./cmd/sluice
	sluice_is="./cmd/sluice at $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
	if [ -n "$(git status --porcelain -- . ':!benchmarks/command' 2>/dev/null)" ]; then
		sluice_is+=" with uncommitted changes"
	fi
fi

# --- the pairs -----------------------------------------------------------
# name, op, target, sluice's command, the tool's command: each runs as
# sh -c 'exec COMMAND', in an environment holding TREE, LINES_FILE,
# DATABASE_URL, SLUICE_TEST_S3... (see pairs/main.go). Keep the order: the
# numbers of CASES are the line numbers.
tsv=$work/pairs.tsv
: >"$tsv"
pair() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$tsv"; }
pair walk-text le 1.2 \
	'sluice walk "$TREE" --format text' \
	'find "$TREE"'
pair walk-json le 1.2 \
	'sluice walk "$TREE"' \
	'find "$TREE" -printf "%p\t%s\t%M\t%T@\n"'
# fd leaves out the root: one line fewer.
pair walk-workers le 1.3 \
	'sluice walk "$TREE" --format text --workers 4' \
	'fdfind -uu . "$TREE"'
pair lines-text le 2 \
	'sluice lines "$LINES_FILE" --format text' \
	'awk "{print}" "$LINES_FILE"'
# Throughput at least 4 times jq's: a time ratio of at most 1/4.
pair lines-json le 0.25 \
	'sluice lines "$LINES_FILE"' \
	'jq -R -c "{text: .}" "$LINES_FILE"'
pair sql-keyset le 2 \
	'sluice sql keyset big id --format text' \
	'psql -X "$DATABASE_URL" -c "\copy big to stdout"'
pair sql-query le 1.5 \
	'sluice sql "SELECT * FROM big" --format text' \
	'psql -X "$DATABASE_URL" -c "\copy big to stdout"'
# At least 4 times faster than the aws CLI.
pair s3-ls le 0.25 \
	'sluice s3 ls s3://big/ --format text --endpoint "$SLUICE_TEST_S3" --path-style --region "$SLUICE_TEST_S3_REGION"' \
	'aws s3 ls --recursive s3://big/ --endpoint-url "$SLUICE_TEST_S3"'

selected=$("$work/pairs" -list -cases "$CASES" "$tsv") || die "CASES=$CASES: see above"
want() { cut -f2 <<<"$selected" | grep -Eqx -- "$1"; }
skip=() # -skip flags of pairs

# --- the tools -----------------------------------------------------------
# need COMMAND PACKAGE: the Debian package of each missing command.
missing=() packages=()
need() {
	if ! command -v "$1" >/dev/null; then
		missing+=("$1") packages+=("$2")
	fi
}
want 'walk-.*' && need find findutils
if want walk-workers && ! command -v fdfind >/dev/null && command -v fd >/dev/null; then
	ln -s "$(command -v fd)" "$work/bin/fdfind" # fd under its own name
fi
want walk-workers && need fdfind fd-find
want lines-text && need awk mawk
want lines-json && need jq jq
want 'sql-.*' && need psql postgresql-client
# aws_works: the aws CLI runs (a pyenv shim may exist for a Python without it).
aws_works() { command -v aws >/dev/null && aws --version >/dev/null 2>&1; }
want_aws=false
if want s3-ls && ! aws_works; then
	want_aws=true
fi
can_install=false
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
	can_install=true
fi
if [ ${#missing[@]} -gt 0 ] || $want_aws; then
	if $can_install; then
		export DEBIAN_FRONTEND=noninteractive
		step "apt-get update"
		apt-get update -qq || echo "run.sh: apt-get update failed (see above)" >&2
		if [ ${#missing[@]} -gt 0 ]; then
			step "installing ${packages[*]} (for ${missing[*]})"
			apt-get install -y -qq "${packages[@]}" >/dev/null
		fi
		if $want_aws; then
			step "installing awscli"
			apt-get install -y -qq awscli >/dev/null || echo "run.sh: could not install awscli (see above)" >&2
		fi
	elif [ ${#missing[@]} -gt 0 ]; then
		die "missing ${missing[*]}: install them (Debian/Ubuntu: sudo apt-get install ${packages[*]})," \
			"or leave their pairs out with CASES"
	fi
	for c in "${missing[@]}"; do
		command -v "$c" >/dev/null || die "installed ${packages[*]}, but still found no $c"
	done
fi
if want s3-ls; then
	if ! aws_works; then
		echo "run.sh: SKIPPING the s3-ls pair: no working aws CLI (Debian/Ubuntu: sudo apt-get install awscli)" >&2
		skip+=(-skip "s3-ls=no aws CLI")
	elif [[ $(command -v aws) == */shims/* ]]; then
		# A pyenv shim is a bash script that runs pyenv to find the real
		# aws: time the real one.
		if real=$(pyenv which aws 2>/dev/null) && [ -x "$real" ]; then
			ln -s "$real" "$work/bin/aws"
		fi
	fi
fi

# --- services ------------------------------------------------------------
need_pg=false need_s3=false
want 'sql-.*' && need_pg=true
want s3-ls && [ ${#skip[@]} -eq 0 ] && need_s3=true
services_are="given in SLUICE_TEST_*"
if { $need_pg && [ -z "${SLUICE_TEST_POSTGRES:-}" ]; } || { $need_s3 && [ -z "${SLUICE_TEST_S3:-}" ]; }; then
	services_are="started by run.sh"
	# As ./test.sh does.
	ensure_postgres_server || die "see above; or give running services in SLUICE_TEST_*"
	step "starting PostgreSQL and the S3 gateway"
	start_services "$work" || die "see above"
fi

# --- data ----------------------------------------------------------------
data=() # lines describing the data, for the report
if want 'walk-.*'; then
	step "counting the entries of $TREE"
	n=$(find "$TREE" | wc -l)
	data+=("TREE=$TREE: $n entries (find \"\$TREE\" | wc -l)")
fi
export TREE

if want 'lines-.*'; then
	LINES_FILE=$work/lines.log
	step "writing $LINES_FILE"
	# Deterministic for a given awk (srand(1)): mawk's and gawk's rand differ.
	awk 'BEGIN{srand(1); for(i=0;i<600000;i++) printf "2026-11-27T10:%02d:%02d.%06dZ INFO req=%08x method=GET path=/api/v1/items/%d status=200 bytes=%d ua=\"Mozilla/5.0 (X11; Linux x86_64)\" took=%dms\n", (i/60000)%60, (i/1000)%60, i%1000000, i*2654435761%4294967296, i%100000, int(rand()*100000), int(rand()*500)}' >"$LINES_FILE"
	data+=("LINES_FILE=$LINES_FILE: $(wc -l <"$LINES_FILE") lines, $(stat -c %s "$LINES_FILE") bytes, md5 $(md5sum <"$LINES_FILE" | cut -d' ' -f1), from the awk program of run.sh")
	export LINES_FILE
fi

if $need_pg; then
	[ -n "${SLUICE_TEST_POSTGRES:-}" ] || die "SLUICE_TEST_POSTGRES is not set"
	# The database sluice_bench, beside the tests' databases: the
	# connection string of SLUICE_TEST_POSTGRES with its database replaced
	# (as internal/testenv/pgenv does).
	db=sluice_bench
	dsn=$SLUICE_TEST_POSTGRES
	if [[ $dsn == postgres://* || $dsn == postgresql://* ]]; then
		base=${dsn%%\?*} query=${dsn#"${dsn%%\?*}"}
		scheme=${base%%://*} rest=${base#*://}
		[[ $query == *dbname=* ]] && die "SLUICE_TEST_POSTGRES has a dbname parameter: give the database in the path"
		DATABASE_URL="$scheme://${rest%%/*}/$db$query"
	else
		DATABASE_URL="$dsn dbname=$db" # key=value: a later setting wins
	fi
	export DATABASE_URL
	psql=(psql -X -q -v ON_ERROR_STOP=1)
	if [ -z "$("${psql[@]}" -At "$SLUICE_TEST_POSTGRES" -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
		"${psql[@]}" "$SLUICE_TEST_POSTGRES" -c "CREATE DATABASE $db"
	fi
	rows=none
	if [ "$("${psql[@]}" -At "$DATABASE_URL" -c "SELECT to_regclass('public.big') IS NOT NULL")" = t ]; then
		rows=$("${psql[@]}" -At "$DATABASE_URL" -c "SELECT count(*) FROM big")
	fi
	if [ "$rows" != 1000000 ]; then
		step "filling the table big (10^6 rows)"
		[ "$rows" = none ] || "${psql[@]}" "$DATABASE_URL" -c "DROP TABLE big"
		"${psql[@]}" "$DATABASE_URL" -c "CREATE TABLE big (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2), created timestamptz, active boolean)"
		"${psql[@]}" "$DATABASE_URL" -c "INSERT INTO big SELECT i, 'user-' || i || '-' || md5(i::text), (i % 100000) / 100.0, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second', i % 3 = 0 FROM generate_series(1, 1000000) i"
		step "VACUUM ANALYZE big"
		"${psql[@]}" "$DATABASE_URL" -c "VACUUM ANALYZE big"
	else
		step "the table big is there already (10^6 rows)"
	fi
	data+=("DATABASE_URL=$DATABASE_URL: table big, 1000000 rows, $("${psql[@]}" -At "$DATABASE_URL" -c "SELECT pg_size_pretty(pg_table_size('big'))"); PostgreSQL $("${psql[@]}" -At "$DATABASE_URL" -c 'SHOW server_version'), $services_are")
fi

if $need_s3; then
	for v in SLUICE_TEST_S3 SLUICE_TEST_S3_ACCESS_KEY SLUICE_TEST_S3_SECRET_KEY SLUICE_TEST_S3_REGION; do
		[ -n "${!v:-}" ] || die "$v is not set"
	done
	[ -n "${SLUICE_TEST_S3_ROOT:-}" ] ||
		die "SLUICE_TEST_S3_ROOT is not set: the bucket's objects are written as files into the gateway's directory"
	export SLUICE_TEST_S3 SLUICE_TEST_S3_REGION
	export AWS_ACCESS_KEY_ID=$SLUICE_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$SLUICE_TEST_S3_SECRET_KEY
	export AWS_REGION=$SLUICE_TEST_S3_REGION AWS_DEFAULT_REGION=$SLUICE_TEST_S3_REGION
	# Keep ~/.aws out of it, and have the aws CLI address buckets by path,
	# as --path-style does for sluice.
	printf '[default]\ns3 =\n    addressing_style = path\n' >"$work/aws-config"
	: >"$work/aws-credentials"
	export AWS_CONFIG_FILE=$work/aws-config AWS_SHARED_CREDENTIALS_FILE=$work/aws-credentials
	export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=
	unset AWS_PROFILE AWS_ENDPOINT_URL AWS_SESSION_TOKEN
	if ! aws s3api head-bucket --bucket big --endpoint-url "$SLUICE_TEST_S3" >/dev/null 2>&1; then
		step "creating the bucket big"
		aws s3api create-bucket --bucket big --endpoint-url "$SLUICE_TEST_S3" >/dev/null
	fi
	dir=$SLUICE_TEST_S3_ROOT/big
	[ -d "$dir" ] || die "the bucket big is not the directory $dir"
	# 100,000 keys logs/2026/11/27/DD/part-NNNNNN.gz, 1,000 in each of 100
	# directories, as empty files: the gateway's posix backend lists the
	# files of the bucket's directory as its objects (as
	# internal/testenv/s3env.NewFileBucket does; PUTs would take minutes).
	n=0
	[ -d "$dir/logs" ] && n=$(find "$dir/logs" -type f | wc -l)
	if [ "$n" != 100000 ]; then
		step "writing the 100,000 objects of the bucket big"
		rm -rf "${dir:?}/logs"
		(
			cd "$dir"
			awk 'BEGIN{for(d=0;d<100;d++) printf "logs/2026/11/27/%02d\n", d}' | xargs mkdir -p
			awk 'BEGIN{for(i=0;i<100000;i++) printf "logs/2026/11/27/%02d/part-%06d.gz\n", int(i/1000), i}' | xargs touch
		)
	else
		step "the bucket big is there already (100,000 objects)"
	fi
	data+=("SLUICE_TEST_S3=$SLUICE_TEST_S3: bucket big, 100000 empty objects in 100 directories; Versity S3 Gateway (posix backend), $services_are; AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION from SLUICE_TEST_S3_*")
fi

# --- the run -------------------------------------------------------------
versions=()
# shellcheck disable=SC2185 # GNU find's --version
want 'walk-.*' && versions+=("$(find --version | head -n 1)")
want walk-workers && versions+=("fdfind: $(fdfind --version)")
want lines-text && versions+=("awk: $(awk -W version 2>&1 | head -n 1)")
want lines-json && versions+=("$(jq --version)")
want 'sql-.*' && versions+=("$(psql --version)")
want s3-ls && aws_works && versions+=("$(aws --version 2>&1 | head -n 1)")

mkdir -p "$RESULTS"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
raw=$RESULTS/command-$stamp.tsv
out=$RESULTS/command-$stamp.txt
cpu=$(grep -m 1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)
# shellcheck source=/dev/null
os=$( (. /etc/os-release && echo "$PRETTY_NAME") 2>/dev/null || echo '?')
invocation="ROUNDS=$ROUNDS${CASES:+ CASES=$CASES}${SLUICE:+ SLUICE=$SLUICE} TREE=$TREE benchmarks/command/run.sh"

step "timing: $ROUNDS rounds of $(wc -l <<<"$selected") pairs"
{
	echo "sluice command vs standard tools, whole processes ($invocation)"
	echo
	echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine:  $(nproc) cores ($cpu), $mem, Linux $(uname -r), $os"
	echo "go:       $(go version | sed 's/^go version //')"
	echo "sluice:   $sluice_is"
	echo "rounds:   $ROUNDS, after 1 warm-up run of each command; each round runs every pair,"
	echo "          sluice then tool in odd rounds, tool then sluice in even ones"
	if [ ${#versions[@]} -gt 0 ]; then
		printf 'tools:    %s\n' "${versions[0]}"
		for v in "${versions[@]:1}"; do
			printf '          %s\n' "$v"
		done
	fi
	echo "data:"
	for d in "${data[@]}"; do
		echo "  $d"
	done
	echo
} | tee "$out"
status=0
"$work/pairs" -rounds "$ROUNDS" -cases "$CASES" -raw "$raw" ${skip[@]+"${skip[@]}"} "$tsv" | tee -a "$out" || status=$?
{
	echo
	echo "raw timings: $raw"
	echo "report:      $out"
} | tee -a "$out"
step "done"
[ "$status" -eq 0 ] || die "some commands failed (see above)"
