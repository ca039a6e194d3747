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

# --- PostgreSQL server and tools ----------------------------------------
# shellcheck source=internal/testenv/services.sh
source internal/testenv/services.sh
ensure_postgres_server || { echo "test.sh: see above" >&2; exit 1; }
step "building tools"
go build -C tools -o "$bin/" honnef.co/go/tools/cmd/staticcheck

# --- services ------------------------------------------------------------
step "starting PostgreSQL and the S3 gateway"
run=$(mktemp -d "${TMPDIR:-/tmp}/sluice-test.XXXXXX")
cleanup() {
	stop_services
	rm -rf "$run"
}
trap cleanup EXIT
# Make a signal end the script through exit, so the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' TERM HUP
start_services "$run" || { echo "test.sh: see above" >&2; exit 1; }

# --- checks --------------------------------------------------------------
step "go vet"
go vet ./...
step "staticcheck"
"$bin/staticcheck" ./...
step "go test -race"
# shard/rivershard runs after the rest, alone: its fleet test copies 10^6
# rows with worker processes, and beside it the shared PostgreSQL took
# longer than sqlrows' conformance allows to close canceled connections
# (SQL/Stall and SQL/StreamStall failed in three fresh-clone runs).
go test -race -count=1 $(go list ./... | grep -v '/shard/rivershard$') "$@"
step "go test -race ./shard/rivershard"
go test -race -count=1 ./shard/rivershard "$@"
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
