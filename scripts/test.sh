#!/usr/bin/env bash
# The whole test suite, slow tests included, plus the linter. Called by `make test` and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${SOHOA_VENV:-.venv}"
"$VENV/bin/ruff" check .
# Tests get their own data folder; the user's ~/.local/share/sohoa is never touched.
export SOHOA_DATA_DIR="$(mktemp -d -t sohoa-test-data.XXXXXX)"
trap 'rm -rf "$SOHOA_DATA_DIR"' EXIT
"$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
