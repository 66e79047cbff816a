"""Shared fixtures: an isolated data folder per test, and the `sohoa` command of this virtualenv."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

SOHOA = str(Path(sys.executable).with_name("sohoa"))


@pytest.fixture
def data_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a `sohoa` subprocess with its own data folder (SQLite, objects, keys)."""
    return dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"))
