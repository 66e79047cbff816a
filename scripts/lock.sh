#!/usr/bin/env bash
# Resolve the dependencies into hash locks, the files scripts/setup.sh installs from (`make lock`):
#   requirements/build.lock  pip, setuptools and Cython: installed first, they then build tesserocr and sohoa
#                            without build isolation, so nothing unhashed is fetched for a build;
#   requirements/sohoa.lock  everything pyproject.toml asks for, runtime and the `dev` extra, transitive
#                            dependencies included, every file of each pinned version with its sha256.
# Pins already in a lock are kept while pyproject.toml still admits them; `scripts/lock.sh --upgrade`
# (`make lock-upgrade`) moves every package to its newest version within the bounds.
# The target is CPython 3.11 on Linux x86_64 (Debian 12's Python), whatever machine runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${SOHOA_VENV:-.venv}"
UV="$VENV/bin/uv"
if [ ! -x "$UV" ]; then
  echo "lock: $UV is missing: run make setup first (uv is a dev dependency)" >&2
  exit 1
fi

upgrade=()
case "${1:-}" in
  "") ;;
  --upgrade) upgrade=(--upgrade) ;;
  *) echo "usage: scripts/lock.sh [--upgrade]" >&2; exit 2 ;;
esac

compile=("$UV" pip compile --quiet --generate-hashes --python-version 3.11 --python-platform x86_64-unknown-linux-gnu
         --custom-compile-command "make lock" "${upgrade[@]}")
"${compile[@]}" requirements/build.in -o requirements/build.lock
# tesserocr's wheel bundles its own Tesseract: the lock keeps `--no-binary tesserocr` (and the sdist's hash),
# so pip builds it against Debian's libtesseract. The build tools' pins bind the main lock too.
"${compile[@]}" pyproject.toml --extra dev --constraint requirements/build.lock \
  --no-binary tesserocr --emit-build-options -o requirements/sohoa.lock
echo "lock: wrote requirements/build.lock and requirements/sohoa.lock (scripts/setup.sh installs them)" >&2
