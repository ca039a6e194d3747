#!/usr/bin/env bash
# test.sh runs every check of the repository against real services: go vet,
# staticcheck, and the tests with the race detector. It is what CI runs.
#
# Usage: ./test.sh [go test flags...]
#
# Extra arguments go to "go test" after ./..., e.g. ./test.sh -run Keyset -v.
#
# It installs the PostgreSQL server if it is missing (as root, with apt-get),
# builds the tools of the tools module (versitygw, staticcheck) into
# .cache/bin, and starts one PostgreSQL cluster and one Versity S3 Gateway for
# the whole run, which every test binary shares through the SLUICE_TEST_*
# variables (see internal/testenv). They are stopped and their data removed
# when the script exits, however it exits.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

bin=$PWD/.cache/bin
mkdir -p "$bin"
step() { printf '==> %s (%ds)\n' "$*" "$SECONDS" >&2; }

# --- PostgreSQL server ---------------------------------------------------
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
if [ -z "$(find_initdb)" ]; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		step "installing postgresql"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq postgresql >/dev/null
	else
		echo "test.sh: the PostgreSQL server (initdb, postgres) is not installed." >&2
		echo "  Install it (Debian/Ubuntu: sudo apt-get install postgresql) or set" >&2
		echo "  SLUICE_TEST_INITDB to an initdb whose postgres is beside it." >&2
		exit 1
	fi
	if [ -z "$(find_initdb)" ]; then
		echo "test.sh: installed postgresql, but still found no initdb" >&2
		exit 1
	fi
fi

# --- tools ---------------------------------------------------------------
# go build leaves an up-to-date binary alone, so this is quick after the
# first run.
step "building tools"
go build -C tools -o "$bin/" \
	github.com/versity/versitygw/cmd/versitygw \
	honnef.co/go/tools/cmd/staticcheck
go build -o "$bin/testservices" ./internal/testenv/cmd/testservices

# --- services ------------------------------------------------------------
step "starting PostgreSQL and the S3 gateway"
run=$(mktemp -d "${TMPDIR:-/tmp}/sluice-test.XXXXXX")
svc=
cleanup() {
	if [ -n "$svc" ]; then
		kill -TERM "$svc" 2>/dev/null || true
		wait "$svc" 2>/dev/null || true
	fi
	rm -rf "$run"
}
trap cleanup EXIT
# Make a signal end the script through exit, so the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' TERM HUP

SLUICE_VERSITYGW=$bin/versitygw "$bin/testservices" -env "$run/env" </dev/null &
svc=$!
while [ ! -e "$run/env" ]; do
	if ! kill -0 "$svc" 2>/dev/null; then
		wait "$svc" || true
		svc=
		echo "test.sh: the test services did not start (see above)" >&2
		exit 1
	fi
	sleep 0.1
done
# shellcheck source=/dev/null
source "$run/env"

# --- checks --------------------------------------------------------------
step "go vet"
go vet ./...
step "staticcheck"
"$bin/staticcheck" ./...
step "go test -race"
go test -race -count=1 ./... "$@"
if [ $# -eq 0 ]; then
	# A short run of each fuzz target (about 10s each here); README.md
	# gives the longer runs. A count, not a duration: with a duration, Go
	# 1.26's fuzz coordinator can fail a target that found nothing with
	# "context deadline exceeded" when a loaded machine keeps a worker
	# from answering in time at the deadline (golang/go#75804).
	step "fuzz"
	go test -run '^$' -fuzz '^FuzzLines$' -fuzztime 100000x ./sources/scanner
	go test -run '^$' -fuzz '^FuzzCursor$' -fuzztime 200000x ./sources/scanner
	go test -run '^$' -fuzz '^FuzzCursor$' -fuzztime 100000x ./sources/walkdir
	go test -run '^$' -fuzz '^FuzzCursor$' -fuzztime 70000x ./sources/sqlrows
fi
step "all checks passed"
