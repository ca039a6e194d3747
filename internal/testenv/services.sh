# shellcheck shell=bash
# services.sh: the PostgreSQL cluster and the Versity S3 Gateway that
# ./test.sh runs the tests against, for the scripts that need them
# (test.sh, benchmarks/command/run.sh). Source it from the repository's
# root; it defines functions and sets nothing else.
#
#	ensure_postgres_server   install the PostgreSQL server if initdb is
#	                         missing (as root, with apt-get), or fail
#	start_services DIR       build versitygw and testservices into
#	                         .cache/bin, start them with the environment
#	                         file DIR/env, and source it: SLUICE_TEST_*
#	                         are set; $services_pid is the process to stop
#	stop_services            stop them, if started
#
# Each prints its failures on stderr and returns 1.

services_pid=

# find_initdb prints the initdb to start PostgreSQL with, or nothing.
find_initdb() {
	if [ -n "${SLUICE_TEST_INITDB:-}" ]; then
		echo "$SLUICE_TEST_INITDB" # chosen by hand: never install over it
		return 0
	fi
	local found
	found=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | grep -v '\*' | sort -V | tail -n 1 || true)
	[ -n "$found" ] || found=$(command -v initdb || true)
	echo "$found"
}

ensure_postgres_server() {
	[ -n "$(find_initdb)" ] && return 0
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		printf '==> installing postgresql (%ds)\n' "$SECONDS" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq postgresql >/dev/null
	else
		echo "the PostgreSQL server (initdb, postgres) is not installed." >&2
		echo "  Install it (Debian/Ubuntu: sudo apt-get install postgresql) or set" >&2
		echo "  SLUICE_TEST_INITDB to an initdb whose postgres is beside it." >&2
		return 1
	fi
	if [ -z "$(find_initdb)" ]; then
		echo "installed postgresql, but still found no initdb" >&2
		return 1
	fi
}

start_services() {
	local dir=$1 bin=$PWD/.cache/bin
	mkdir -p "$bin"
	# go build leaves an up-to-date binary alone, so this is quick after
	# the first run.
	go build -C tools -o "$bin/" github.com/versity/versitygw/cmd/versitygw || return 1
	go build -o "$bin/testservices" ./internal/testenv/cmd/testservices || return 1
	SLUICE_VERSITYGW=$bin/versitygw "$bin/testservices" -env "$dir/env" </dev/null &
	services_pid=$!
	while [ ! -e "$dir/env" ]; do
		if ! kill -0 "$services_pid" 2>/dev/null; then
			wait "$services_pid" || true
			services_pid=
			echo "the test services did not start (see above)" >&2
			return 1
		fi
		sleep 0.1
	done
	# shellcheck source=/dev/null
	source "$dir/env"
}

stop_services() {
	if [ -n "$services_pid" ]; then
		kill -TERM "$services_pid" 2>/dev/null || true
		wait "$services_pid" 2>/dev/null || true
		services_pid=
	fi
}
