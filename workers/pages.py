"""Run page jobs across the machine's cores, handing each finished page back as soon as it is done.

Finished pages are saved by the caller right away, so a dossier interrupted half-way resumes with only
the missing pages. Tesseract runs with one OpenMP thread (its own threading is several times slower on
few cores: README, "Speed"); parallelism comes from pages in separate processes instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pipeline.models import PageResult
from pipeline.ocr import single_thread_env
from pipeline.page_job import PageContext, process_page
from sohoa.errors import SohoaError, ToolFailed


class PagePool:
    """Page jobs on a process pool, started at once and read back as they finish.

    ``start`` submits the first pages right away, from the calling thread: the pool's processes fork
    there and then, before the caller imports more (``workers.early``). ``results`` then yields pages in
    completion order, keeping at most 2 pages per worker in flight (bounded memory, cores kept busy); the
    first failing page stops the rest.
    """

    def __init__(
        self,
        workers: int,
        *,
        job: Callable[[PageContext], PageResult] = process_page,
        tmp_dir: Path | None = None,
        page_timeout_s: float | None = None,
    ) -> None:
        self.workers = workers
        self.job = job
        self.page_timeout_s = page_timeout_s  # no page done for this long: the pool is stopped (a hang)
        self.tmp_dir = tmp_dir  # any temp file a page worker makes goes there when given
        self._pending: list[PageContext] = []
        self._running: set[Future[PageResult]] = set()
        self._pool: ProcessPoolExecutor | None = None

    def start(self, contexts: list[PageContext]) -> PagePool:
        """Queue ``contexts`` and submit as many as may be in flight (inline mode submits nothing)."""
        single_thread_env()  # Tesseract's OpenMP threads make it ~5x slower on this class of machine
        self._pending = list(contexts)
        if self.workers > 1 and len(contexts) > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=min(self.workers, len(contexts)), initializer=_init_worker, initargs=(self.tmp_dir,)
            )
            self._fill()
        return self

    def _fill(self) -> None:
        assert self._pool is not None
        while self._pending and len(self._running) < 2 * self.workers:
            self._running.add(self._pool.submit(self.job, self._pending.pop(0)))

    def results(self) -> Iterator[PageResult]:
        """Every page's result, in completion order; the pool is shut down at the end or on failure."""
        if self._pool is None:
            while self._pending:
                yield self.job(self._pending.pop(0))
            return
        try:
            while self._running:
                done, self._running = wait(self._running, timeout=self.page_timeout_s, return_when=FIRST_COMPLETED)
                if not done:
                    self.terminate()
                    raise ToolFailed(
                        f"không trang nào xử lý xong trong {self.page_timeout_s:g} giây: đã dừng các tiến trình",
                        hint="ảnh trang bất thường; quét lại trang hoặc tăng SOHOA_PAGE_JOB_TIMEOUT_S",
                    )
                for fut in done:
                    yield fut.result()
                self._fill()
        except BrokenProcessPool as exc:
            raise SohoaError(
                "một tiến trình xử lý trang bị dừng đột ngột (có thể do thiếu bộ nhớ)",
                hint="giảm SOHOA_WORKERS rồi chạy lại; các trang đã xong được giữ lại",
            ) from exc
        finally:
            self.close()

    def close(self) -> None:
        """Drop the pages not started and wait for those running (none, once ``results`` is exhausted)."""
        self._pending.clear()
        for fut in self._running:
            fut.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def terminate(self) -> None:
        """Stop at once: every worker killed with its Tesseract (each worker leads its own process group)."""
        self._pending.clear()
        if self._pool is None:
            return
        for fut in self._running:
            fut.cancel()
        for process in list(getattr(self._pool, "_processes", {}).values()):  # no public API before 3.14
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None
        self._running.clear()


def _init_worker(tmp_dir: Path | None) -> None:
    """A page worker: one OpenMP thread, its own process group (``terminate``), temp files in ``tmp_dir``."""
    single_thread_env()
    os.setpgrp()
    if tmp_dir is not None:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tempfile.tempdir = str(tmp_dir)


def run_pages(
    contexts: list[PageContext],
    workers: int,
    *,
    job: Callable[[PageContext], PageResult] = process_page,
    page_timeout_s: float | None = None,
) -> Iterator[PageResult]:
    """Yield page results in completion order; the first failing page stops the rest."""
    return PagePool(workers, job=job, page_timeout_s=page_timeout_s).start(contexts).results()
