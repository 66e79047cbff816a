"""Run page jobs across the machine's cores, handing each finished page back as soon as it is done.

Finished pages are saved by the caller right away, so a dossier interrupted half-way resumes with only
the missing pages. Tesseract always runs with one OpenMP thread: measured on 2 cores, its default
threading makes one page take 3.6 s of wall time instead of 0.66 s (`time tesseract p.png - -l vie`
with and without OMP_THREAD_LIMIT=1); parallelism comes from pages in separate processes instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from pipeline.models import PageResult
from pipeline.ocr import single_thread_env
from pipeline.page_job import PageContext, process_page
from sohoa.errors import SohoaError


def run_pages(
    contexts: list[PageContext], workers: int, *, job: Callable[[PageContext], PageResult] = process_page
) -> Iterator[PageResult]:
    """Yield page results in completion order; the first failing page stops the rest."""
    if not contexts:
        return
    single_thread_env()  # Tesseract's OpenMP threads make it ~5x slower on this class of machine
    if workers <= 1 or len(contexts) == 1:
        for ctx in contexts:
            yield job(ctx)
        return
    pending: list[PageContext] = list(contexts)
    try:
        with ProcessPoolExecutor(max_workers=min(workers, len(contexts)), initializer=single_thread_env) as pool:
            running: set[Future[PageResult]] = set()
            while pending or running:
                # Keep at most 2 pages per worker in flight: bounded memory, cores kept busy.
                while pending and len(running) < 2 * workers:
                    running.add(pool.submit(job, pending.pop(0)))
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        yield fut.result()
                    except BaseException:
                        for other in running:
                            other.cancel()
                        raise
    except BrokenProcessPool as exc:
        raise SohoaError(
            "một tiến trình xử lý trang bị dừng đột ngột (có thể do thiếu bộ nhớ)",
            hint="giảm SOHOA_WORKERS rồi chạy lại; các trang đã xong được giữ lại",
        ) from exc
