# Every target runs scripts/setup.sh first: on a fresh Debian machine it installs everything (apt packages,
# the virtualenv, sohoa); on a machine already set up it returns in seconds.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_OUT ?= demo-out

.PHONY: setup demo test test-fast lint audit lock lock-upgrade bench clean

setup:
	@scripts/setup.sh

demo: setup
	@$(VENV)/bin/sohoa process samples/dossiers/quyet-dinh --out $(DEMO_OUT)

test: setup
	@scripts/test.sh

test-fast: setup
	@$(PY) -m pytest -q -m "not slow" -x

lint: setup
	@$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Known vulnerabilities in the locked dependencies (also run by `make test`): scripts/audit_dependencies.py.
audit: setup
	@$(PY) scripts/audit_dependencies.py

# Re-resolve requirements/*.lock (with hashes) after changing pyproject.toml's dependencies, keeping the
# pins it still admits; lock-upgrade moves every pin to the newest release within the bounds. Both then install
# the new locks (setup.sh rebuilds the virtualenv). They use the virtualenv's uv, so not `setup` first.
lock:
	@scripts/lock.sh && scripts/setup.sh

lock-upgrade:
	@scripts/lock.sh --upgrade && scripts/setup.sh

bench: setup
	@$(PY) benchmarks/slice.py

clean:
	rm -rf $(DEMO_OUT) .pytest_cache
