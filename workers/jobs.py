"""RQ jobs: thin wrappers over ``workers.fanout``, taking ids only, and the one boundary for their errors.

- ``page_job(code, n)`` OCRs and saves one page, then, if it was the last page missing, enqueues the
  fan-in. Why the last page triggers it rather than ``depends_on``: the decision comes from the database
  (every page row present), so it survives what RQ's dependency graph does not: a parent that failed for
  good leaves a ``depends_on`` child deferred for ever (reliability notes §1.3), and a Redis loss takes
  the graph with it. A page job re-run after a crash finds its page saved and runs the trigger again; two
  pages finishing together enqueue one fan-in (fixed id, ``unique=True``); the reconciler applies the same
  rule to dossiers that no queue holds.
- ``finish_job(code)``: extract, PDFs, signing and storing (``fanout.finish``). Publishing follows
  approval (``workers.review``); it has no job of its own yet.
- ``on_job_failure``: RQ calls it after every failed attempt (and for a job abandoned by a dead
  worker). Only when no retry is left does the dossier become ``failed`` with the stage and reason, so
  ``sohoa status`` never shows a failure that a retry is about to repair. The job is then marked as
  reported, so that once ``sohoa retry`` made the dossier active again the reconciler does not take that
  same failure for a new one (``reconcile.ensure_jobs``).
- Bad input (an unreadable page, a secret document) is not retried: the dossier becomes ``rejected``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from redis import Redis
from rq import get_current_job
from rq.job import Job

from sohoa.errors import BadInput, SecretDocument, SohoaError
from sohoa.settings import Settings, load_settings
from storage import repository
from storage.db import make_engine, session_scope
from storage.states import ACTIVE_STATES
from workers import dossiers, fanout, queues
from workers.context import Context
from workers.logs import dossier_scope
from workers.refusal import refuse

log = logging.getLogger("sohoa.jobs")
T = TypeVar("T")
_contexts: dict[int, Context] = {}


def context(settings: Settings | None = None) -> Context:
    """This process's context, kept for every job the worker runs; a job forked (``SOHOA_FORK_JOBS``) opens its
    own, since a database connection never crosses fork.

    The schema is migrated once by ``sohoa worker`` at start, not per job.
    """
    pid = os.getpid()
    if pid not in _contexts:
        s = settings or load_settings()
        _contexts.clear()
        _contexts[pid] = Context(s, None, make_engine(s.effective_database_url))  # the store opens on first use
    return _contexts[pid]


def _meta(**values: Any) -> None:
    """Report figures to the worker's metrics through the job's meta, which works whether or not the job was
    forked."""
    job = get_current_job()
    if job is not None:
        job.meta.update(values)
        job.save_meta()


def _guard(code: str, stage: str, work: Callable[[], T]) -> T | None:
    """Run ``work``; bad input rejects the dossier (no retry), a secret document refuses and purges it
    (``workers.refusal``), anything else goes to RQ (retry or fail)."""
    with dossier_scope(code):
        try:
            return work()
        except SecretDocument as exc:
            log.warning("refused at %s: %s", stage, exc.code)
            refuse(context(), code, exc)
            return None
        except BadInput as exc:
            ctx = context()
            log.warning("rejected at %s: %s", stage, exc.code)
            if dossiers.is_active(ctx, code):
                with session_scope(ctx.engine) as s:
                    repository.set_state(s, repository.get_dossier(s, code), "rejected", reason=exc.one_line())
            return None


def page_job(code: str, number: int) -> dict[str, Any]:
    """OCR page ``number`` of dossier ``code``; enqueue the fan-in when it was the last page missing."""
    ctx = context()
    started = time.monotonic()
    page = _guard(code, "ocr", lambda: fanout.ocr_page(ctx, code, number))
    if page is not None:
        log.info("page %d saved (%.2f s)", number, time.monotonic() - started)
        _meta(stage_seconds=page.seconds, pages=1)
    with dossier_scope(code):
        trigger_finish(ctx, get_current_job_connection(), code)
    return {"page": number, "done": page is not None}


def finish_job(code: str) -> dict[str, Any]:
    """Assemble, extract, sign and store dossier ``code`` (all pages are saved)."""
    ctx = context()
    started = time.monotonic()
    result = _guard(code, "extract", lambda: fanout.finish(ctx, code))
    if result is not None:
        log.info("dossier finished: %s, %d documents", result["dossier"]["state"], len(result["documents"]))
        _meta(stage_seconds={"finish": round(time.monotonic() - started, 3)})
    return {"done": result is not None}


def get_current_job_connection() -> Redis:
    job = get_current_job()
    if job is None:  # called outside a worker (tests call the functions directly)
        return queues.connect(context().settings)
    return job.connection


def trigger_finish(ctx: Context, conn: Redis, code: str) -> str | None:
    """Enqueue the fan-in if the dossier is active and every page is saved; ``None`` if not yet."""
    if not dossiers.is_active(ctx, code):
        return None
    if len(dossiers.saved_pages(ctx, code)) < dossiers.page_count(ctx, code):
        return None
    return enqueue_finish(ctx.settings, conn, code, replace_failed=True)


def enqueue_page(settings: Settings, conn: Redis, code: str, number: int, *, replace_failed: bool) -> str:
    """Queue page ``number`` of ``code`` once (see ``queues.enqueue_once``)."""
    return queues.enqueue_once(
        conn,
        queues.PAGES_QUEUE,
        page_job,
        (code, number),
        job_id=queues.page_job_id(code, number),
        description=f"{code} page {number}",  # RQ logs the description: the code as staff know it
        timeout_s=settings.page_job_timeout_s,
        settings=settings,
        replace_failed=replace_failed,
        on_failure=on_job_failure,
    )


def enqueue_finish(settings: Settings, conn: Redis, code: str, *, replace_failed: bool) -> str:
    """Queue the fan-in of ``code`` once."""
    return queues.enqueue_once(
        conn,
        queues.FINISH_QUEUE,
        finish_job,
        (code,),
        job_id=queues.finish_job_id(code),
        description=f"{code} finish",
        timeout_s=settings.finish_job_timeout_s,
        settings=settings,
        replace_failed=replace_failed,
        on_failure=on_job_failure,
    )


def reason_of(exc_type: type[BaseException] | None, exc: BaseException | None) -> str:
    """A short, personal-data-free reason for the dossier's failed state."""
    if isinstance(exc, SohoaError):
        return f"{exc.code}: {exc.one_line()}"
    name = exc_type.__name__ if exc_type else "Error"
    if name == "AbandonedJobError":
        return "AbandonedJobError: tiến trình xử lý bị dừng đột ngột (worker chết) và đã hết lượt thử lại"
    if name == "JobTimeoutException":
        return f"JobTimeoutException: xử lý quá thời gian ({exc})"
    return f"{name}: {exc}"[:500]


def on_job_failure(
    job: Job,
    connection: Redis,
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
) -> None:
    """After a failed attempt: nothing while RQ will retry; on the last one, mark the dossier failed."""
    code = job.args[0]
    with dossier_scope(code):
        if job.retries_left:
            log.warning("job %s failed, %d retries left: %s", job.id, job.retries_left, reason_of(exc_type, exc))
            return
        mark_failed(context(), code, page=queues.job_kind(job.id) == "page", reason=reason_of(exc_type, exc))
        # RQ records the job failed in Redis only after this callback: a `sohoa retry` in between finds it
        # still running and leaves it; the mark tells the reconciler this failure is the retried one.
        queues.mark_failure_reported(job)


def mark_failed(ctx: Context, code: str, *, page: bool, reason: str) -> None:
    """The dossier becomes ``failed`` with the stage and reason (unless it already left the active states)."""
    stage = "ocr" if page else None
    with session_scope(ctx.engine) as s:
        row = repository.get_dossier(s, code)
        if row is None or row.state not in ACTIVE_STATES:
            return
        if stage == "ocr":
            repository.stage_failed(s, row.id, "ocr", code="job_failed", message=reason)
    stage = stage or _finish_stage(ctx, code)
    with session_scope(ctx.engine) as s:
        row = repository.get_dossier(s, code)
        if row is not None and row.state in ACTIVE_STATES:
            repository.set_state(s, row, "failed", stage=stage, reason=reason)
    log.error("dossier failed at %s: %s", stage, reason)


def _finish_stage(ctx: Context, code: str) -> str:
    from workers.dossiers import failed_stage

    return failed_stage(ctx, code, "extract")
