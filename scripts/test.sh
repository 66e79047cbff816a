#!/usr/bin/env bash
# The whole test suite, slow tests included, the linter and the dependency audit. Called by `make test` and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${SOHOA_VENV:-.venv}"
"$VENV/bin/ruff" check .
# Known vulnerabilities in the locked dependencies fail the run; an unreachable vulnerability service only
# warns (SOHOA_AUDIT_REQUIRED=1 makes it fail too): scripts/audit_dependencies.py.
"$VENV/bin/python" scripts/audit_dependencies.py
# Tests get their own data folder; the user's ~/.local/share/sohoa is never touched.
export SOHOA_DATA_DIR="$(mktemp -d -t sohoa-test-data.XXXXXX)"
trap 'rm -rf "$SOHOA_DATA_DIR"' EXIT
# The slowest tests are listed at the end: the whole run must stay under 30 minutes with set-up (README).
"$VENV/bin/python" -m pytest -q -p no:cacheprovider --durations=25 "$@"
