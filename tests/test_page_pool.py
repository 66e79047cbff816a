"""The page pool: a page that never finishes stops the pool with one clear error, its processes killed."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from pipeline.models import PageRef, PageResult
from pipeline.page_job import PageContext
from sohoa.errors import ToolFailed
from sohoa.settings import Settings
from workers.pages import PagePool


def _never_ends(ctx: PageContext) -> PageResult:
    time.sleep(3600)
    raise AssertionError("unreachable")


def test_a_hanging_page_stops_the_pool_and_kills_its_processes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    contexts = [
        PageContext(PageRef(n, 0, tmp_path / "x.pdf", "pdf", n - 1), "x.pdf", tmp_path, settings) for n in (1, 2, 3)
    ]
    pool = PagePool(2, job=_never_ends, page_timeout_s=1.5).start(contexts)
    workers = list(pool._pool._processes)  # type: ignore[union-attr]
    started = time.monotonic()
    with pytest.raises(ToolFailed, match=r"1\.5 giây"):
        list(pool.results())
    assert time.monotonic() - started < 20
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
