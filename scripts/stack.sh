#!/usr/bin/env bash
# The distributed system as local processes on loopback (PostgreSQL, Redis AOF, SeaweedFS, sohoa serve, workers):
#   scripts/stack.sh up [--dir DIR] [--workers N]   # default DIR=/tmp/sohoa-stack, N=2; returns when ready
#   scripts/stack.sh down [--dir DIR]                # stops what it started (pid files), keeps the data
#   scripts/stack.sh status [--dir DIR]              # name, pid, port, ready or not-ready: one line each
#   scripts/stack.sh workers N [--dir DIR]           # scale the workers to N
# Then `set -a; . DIR/stack.env` gives SOHOA_URL, SOHOA_TOKEN, SOHOA_ADMIN_TOKEN and every setting. See scripts/stack.py.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PY="${SOHOA_PYTHON:-$REPO/.venv/bin/python}"
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" "$REPO/scripts/stack.py" "$@"
