#!/usr/bin/env bash
# Install what the tests need and run them all (unit, end to end, bad input).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
./scripts/install-web.sh
./scripts/install-test-deps.sh
./scripts/install-tools.sh
./scripts/train.sh
. scripts/env.sh
set +e  # from here on, collect both exit codes
"$PY" -m ruff check bot actions harness tests bench
lint=$?
"$PY" -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "test: pytest collected no tests; that is a failure for this project" >&2
  exit 1
fi
[ "$status" -eq 0 ] && [ "$lint" -ne 0 ] && { echo "test: ruff found problems" >&2; exit 1; }
exit "$status"
