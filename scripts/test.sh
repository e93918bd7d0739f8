#!/usr/bin/env bash
# Runs Sluice's whole test suite: builds the package (the CLI tests run the
# real `sluice` binary), then every test target.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build "$@"
