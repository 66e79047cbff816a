"""The reconciler: the database says what must be done; make the queues hold exactly that.

For every dossier in ``received`` or ``processing``: each page not saved yet needs its page job in
flight, and once all pages are saved the fan-in job does. A missing job (Redis restarted empty, a job
expired, a submit that crashed before enqueueing) is enqueued again under its fixed id; a job in flight is
left alone. A job that failed for good without the dossier being marked (its process was SIGKILLed
after its last retry, when RQ calls no failure callback) marks the dossier ``failed`` with the job's
error, so a page that kills its worker every time is not run for ever: ``sohoa retry`` runs it again. A
failure that its failure callback already reported is not one of those: the dossier is active again because
it was retried since, so the job is enqueued again.

A refusal (a secret document) that a crash interrupted is completed first (``workers.refusal``).

``sohoa reconcile`` runs it once; every ``sohoa worker`` runs it every ``SOHOA_RECONCILE_INTERVAL_S``
(one worker at a time, under a Redis lock).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from redis import Redis

from storage import repository
from storage.db import session_scope
from storage.states import ACTIVE_STATES
from workers import dossiers, jobs, queues
from workers.context import Context
from workers.logs import dossier_scope
from workers.refusal import finish_refusals

log = logging.getLogger("sohoa.reconcile")
LOCK_KEY = "sohoa:reconcile-lock"


@dataclass
class Report:
    """What one pass did, by dossier code."""

    checked: int = 0
    enqueued: dict[str, list[str]] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)
    purged: list[str] = field(default_factory=list)  # refusals a crash had interrupted, completed now

    def to_dict(self) -> dict[str, object]:
        return {"checked": self.checked, "enqueued": self.enqueued, "failed": self.failed, "purged": self.purged}


def active_dossiers(ctx: Context) -> list[str]:
    """Codes of the dossiers the database says are not finished (oldest first)."""
    with session_scope(ctx.engine) as s:
        return repository.dossier_codes_in(s, ACTIVE_STATES)


def ensure_jobs(ctx: Context, conn: Redis, code: str, *, replace_failed: bool) -> list[str]:
    """Enqueue what dossier ``code`` still needs; returns the job ids enqueued now.

    With ``replace_failed`` false a job that failed for good marks the dossier failed instead (see above),
    unless that failure already marked it failed once (``stale_failure``): the job is enqueued again.
    """
    total, done = dossiers.page_count(ctx, code), dossiers.saved_pages(ctx, code)
    missing = [n for n in range(1, total + 1) if n not in done]
    enqueued: list[str] = []
    for number in missing:
        job_id = queues.page_job_id(code, number)
        outcome = jobs.enqueue_page(ctx.settings, conn, code, number, replace_failed=replace_failed)
        if outcome == "failed" and stale_failure(ctx, conn, code, job_id):
            outcome = jobs.enqueue_page(ctx.settings, conn, code, number, replace_failed=True)
        if outcome == "queued":
            enqueued.append(job_id)
        elif outcome == "failed":
            jobs.mark_failed(ctx, code, page=True, reason=queues.job_error(conn, job_id) or "page job failed")
            return enqueued
    if not missing:
        job_id = queues.finish_job_id(code)
        outcome = jobs.enqueue_finish(ctx.settings, conn, code, replace_failed=replace_failed)
        if outcome == "failed" and stale_failure(ctx, conn, code, job_id):
            outcome = jobs.enqueue_finish(ctx.settings, conn, code, replace_failed=True)
        if outcome == "queued":
            enqueued.append(job_id)
        elif outcome == "failed":
            jobs.mark_failed(ctx, code, page=False, reason=queues.job_error(conn, job_id) or "finish job failed")
    return enqueued


def stale_failure(ctx: Context, conn: Redis, code: str, job_id: str) -> bool:
    """Whether the failed job's failure already marked the dossier failed and the dossier is active again:
    ``sohoa retry`` ran since (this pass came between its two steps, or RQ had not recorded the failure yet
    and the retry left the job as running), so failing the dossier again with that old reason would undo it."""
    return queues.failure_reported(conn, job_id) and dossiers.is_active(ctx, code)


def reconcile(ctx: Context, conn: Redis) -> Report:
    """One pass over every unfinished dossier, after completing any interrupted refusal."""
    report = Report(purged=finish_refusals(ctx))
    for code in active_dossiers(ctx):
        report.checked += 1
        with dossier_scope(code):
            if dossiers.state(ctx, code) == "received":
                dossiers.start_processing(ctx, code)
            enqueued = ensure_jobs(ctx, conn, code, replace_failed=False)
            if enqueued:
                report.enqueued[code] = enqueued
                log.warning("re-enqueued %d job(s) no queue held", len(enqueued))
            if dossiers.state(ctx, code) == "failed":
                report.failed.append(code)
    return report


def reconcile_if_due(ctx: Context, conn: Redis) -> Report | None:
    """Run a pass unless another worker ran one within ``reconcile_interval_s`` (a Redis lock with that TTL)."""
    if not conn.set(LOCK_KEY, "1", nx=True, ex=ctx.settings.reconcile_interval_s):
        return None
    return reconcile(ctx, conn)
