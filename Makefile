# Every target runs scripts/setup.sh first: on a fresh Debian machine it installs everything (apt packages,
# the virtualenv, sohoa); on a machine already set up it returns in seconds.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_OUT ?= demo-out

.PHONY: setup demo test test-fast lint bench clean

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

bench: setup
	@$(PY) benchmarks/slice.py

clean:
	rm -rf $(DEMO_OUT) .pytest_cache
