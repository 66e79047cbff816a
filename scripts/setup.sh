#!/usr/bin/env bash
# One set-up for a fresh Debian 12/13 machine (run as root), used by the Makefile, .ci/run and the
# Dockerfile. Idempotent: on a machine already set up it only checks and returns in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${SOHOA_VENV:-.venv}"
APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-vie tesseract-ocr-script-viet tesseract-ocr-osd hunspell-vi
  poppler-utils qpdf fonts-noto-core fonts-liberation2
  python3-venv python3-dev
  redis-server postgresql
  softhsm2 opensc
  libtesseract-dev libleptonica-dev pkg-config g++
  chromium  # the browser tests drive it with Playwright (its own browser download is not used)
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing apt packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! tesseract --list-langs 2>/dev/null | grep -qx vie; then
  echo "setup: Tesseract has no 'vie' language data after install" >&2
  exit 1
fi

# The virtualenv holds exactly what the hash locks list (requirements/*.lock, made by `make lock`): it is made
# anew whenever they, pyproject.toml or this script change, so nothing from an older lock stays behind.
# Every file pip installs is checked against the lock's sha256 (--require-hashes). The build tools come first
# from build.lock; tesserocr (`--no-binary tesserocr` in the lock: its wheel bundles another Tesseract) and
# sohoa itself are then built with them, without build isolation, against Debian's libtesseract (the -dev
# packages above). sohoa is installed editable and without dependencies: the lock already installed them.
stamp="$VENV/.sohoa-installed"
want="$(cat pyproject.toml scripts/setup.sh requirements/build.lock requirements/sohoa.lock | sha256sum | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing sohoa and its locked dependencies into a new virtualenv $VENV" >&2
  python3 -m venv --clear "$VENV"
  log="$(mktemp -t sohoa-pip.XXXXXX)"
  pip=("$VENV/bin/python" -m pip install -q --require-hashes)
  if ! { "${pip[@]}" -r requirements/build.lock \
      && "${pip[@]}" --no-build-isolation --check-build-dependencies -r requirements/sohoa.lock \
      && "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e .; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: pip install failed (log above)" >&2
    exit 1
  fi
  rm -f "$log"
  echo "$want" > "$stamp"
fi
# Byte-compile sohoa's own modules (pip did the dependencies): every `sohoa` process would otherwise compile
# them from source when PYTHONDONTWRITEBYTECODE is set, as on CI machines (~0.1 s a process). Seconds; the
# compiled files follow the sources (Python checks their timestamps) and are ignored by git.
"$VENV/bin/python" -m compileall -q -j 0 sohoa pipeline workers storage signing samples >/dev/null || true
