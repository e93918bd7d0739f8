#!/usr/bin/env bash
# Runs Sluice's whole test suite: builds the package (the CLI tests run the
# real `sluice` binary), then every test target. Extra arguments go to
# `swift test` (for example: --filter SQLiteImportTests).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
log=$(mktemp)
# The PostgreSQL tests need a server: a throwaway cluster of their own
# (scripts/postgres.sh), unless SLUICE_TEST_POSTGRES_URL names one.
export SLUICE_PG_STATE=${SLUICE_PG_STATE:-/tmp/sluice-postgres-test-$$.state}
started_postgres=
cleanup() {
    rm -f "$log"
    if [[ -n $started_postgres ]]; then scripts/postgres.sh stop; fi
}
trap cleanup EXIT
if [[ -z ${SLUICE_TEST_POSTGRES_URL:-} ]]; then
    if SLUICE_TEST_POSTGRES_URL=$(scripts/postgres.sh start); then
        export SLUICE_TEST_POSTGRES_URL
        started_postgres=1
    else
        echo "test.sh: could not start PostgreSQL: its tests are skipped (and fail under CI)" >&2
    fi
fi
status=0
swift test --skip-build "$@" 2>&1 | tee "$log" || status=$?
# One closing line that any reader of the log understands. (XCTest reports
# "Executed 0 tests" first: every test here is a Swift Testing test.)
passed=$(sed -n 's/.*Test run with \([0-9][0-9]*\) tests\{0,1\} in .* passed after.*/\1/p' "$log" | tail -1)
if [[ $status -eq 0 && -n $passed ]]; then
    echo "tests: $passed passed, 0 failed"
fi
exit "$status"
