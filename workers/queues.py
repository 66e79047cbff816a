"""sohoa's RQ queues, job ids and the one way jobs are put on them.

Why these rules (../shared/notes/reliability.md §1.3, §1.5):

- Job ids are fixed (``<code>-page-<n>``, ``<code>-finish``, dots of the code as ``_``: RQ allows only
  letters, digits, ``_`` and ``-``) and always enqueued with ``unique=True``:
  the same id without it silently overwrites the first payload; with it a second enqueue is refused, so
  a double submit, two reconcilers or a re-run trigger make one job.
- Arguments are ids only (dossier code, page number), serialized as JSON: no pickles, no file bytes
  through Redis. Redis is not the system of record: the database says what must be done, and
  ``workers.reconcile`` rebuilds the queue from it.
- ``Retry`` with backoff from the settings, and a timeout per kind of job. A job id whose last run
  ended (finished, failed, stopped) is replaced when the database says its work is still missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from redis import Redis
from rq import Callback, Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from sohoa.errors import SohoaError
from sohoa.settings import Settings

PAGES_QUEUE = "sohoa-pages"
FINISH_QUEUE = "sohoa-finish"
# A worker takes fan-in jobs first, so a dossier whose pages are done is finished before more pages start.
QUEUE_ORDER = (FINISH_QUEUE, PAGES_QUEUE)
IN_FLIGHT = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED})
RESULT_TTL_S = 3600
FAILURE_REPORTED = "sohoa_failure_reported"  # job meta: this failure already marked the dossier failed


class QueueUnavailable(SohoaError):
    """Redis cannot be reached or is not configured."""

    code = "queue_unavailable"


def connect(settings: Settings) -> Redis:
    """A Redis connection from ``SOHOA_REDIS_URL``; checked with a PING so a wrong URL fails here."""
    if not settings.redis_url:
        raise QueueUnavailable("chưa cấu hình hàng đợi", hint="đặt SOHOA_REDIS_URL, ví dụ redis://127.0.0.1:6379/0")
    conn = Redis.from_url(settings.redis_url.get_secret_value(), socket_connect_timeout=5, health_check_interval=30)
    try:
        conn.ping()
    except Exception as exc:  # redis raises its own ConnectionError/TimeoutError family
        raise QueueUnavailable(f"không kết nối được Redis: {exc}", hint="kiểm tra SOHOA_REDIS_URL") from exc
    return conn


def queue(conn: Redis, name: str) -> Queue:
    """One of sohoa's queues, with the JSON serializer."""
    return Queue(name, connection=conn, serializer=JSONSerializer)


def _id(code: str) -> str:
    return code.replace(".", "_")


def page_job_id(code: str, number: int) -> str:
    """Fixed id of page ``number``'s job: the same page is never queued twice."""
    return f"{_id(code)}-page-{number}"


def finish_job_id(code: str) -> str:
    """Fixed id of the dossier's fan-in job."""
    return f"{_id(code)}-finish"


def job_kind(job_id: str) -> str:
    """``page``, ``finish`` or ``other`` (for metrics and the failure boundary)."""
    if re.search(r"-page-\d+$", job_id):
        return "page"
    return "finish" if job_id.endswith("-finish") else "other"


def job_status(conn: Redis, job_id: str) -> str | None:
    """The job's status, or ``None`` when Redis does not hold it (never queued, expired, or Redis lost)."""
    try:
        job = Job.fetch(job_id, connection=conn, serializer=JSONSerializer)
    except NoSuchJobError:
        return None
    status = job.get_status(refresh=False)
    return status.value if status is not None else None


def mark_failure_reported(job: Job) -> None:
    """Record on the job that its last failure was reported to the dossier (by ``jobs.on_job_failure``)."""
    job.meta[FAILURE_REPORTED] = True
    job.save_meta()


def failure_reported(conn: Redis, job_id: str) -> bool:
    """Whether the job's failure was already reported to its dossier: such a failure must not fail the
    dossier again once ``sohoa retry`` made it active (``reconcile.ensure_jobs``)."""
    try:
        job = Job.fetch(job_id, connection=conn, serializer=JSONSerializer)
    except NoSuchJobError:
        return False
    return bool(job.meta.get(FAILURE_REPORTED))


def job_error(conn: Redis, job_id: str) -> str:
    """The last line of the job's recorded failure (a short reason for the dossier)."""
    try:
        job = Job.fetch(job_id, connection=conn, serializer=JSONSerializer)
    except NoSuchJobError:
        return ""
    text = (job.latest_result().exc_string if job.latest_result() else None) or job.exc_info or ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def enqueue_once(
    conn: Redis,
    queue_name: str,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    *,
    job_id: str,
    timeout_s: int,
    settings: Settings,
    replace_failed: bool,
    on_failure: Callable[..., Any] | None = None,
    description: str = "",
) -> str:
    """Enqueue ``func(*args)`` under ``job_id`` unless a job with that id is in flight.

    Returns ``"queued"``, ``"in_flight"`` or ``"failed"`` (a failed job left in place because
    ``replace_failed`` is false: the caller marks the dossier failed instead of running it for ever).
    """
    q = queue(conn, queue_name)
    for _ in range(3):
        status = job_status(conn, job_id)
        if status in IN_FLIGHT:
            return "in_flight"
        if status == JobStatus.FAILED.value and not replace_failed:
            return "failed"
        if status is not None:  # ended: finished, failed, stopped or canceled; its work is still missing
            Job.fetch(job_id, connection=conn, serializer=JSONSerializer).delete()
        try:
            q.enqueue(
                func,
                *args,
                job_id=job_id,
                unique=True,
                job_timeout=timeout_s,
                result_ttl=RESULT_TTL_S,
                retry=Retry(max=settings.job_retries, interval=settings.retry_intervals)
                if settings.job_retries
                else None,
                on_failure=Callback(on_failure) if on_failure else None,
                description=description or job_id,
            )
            return "queued"
        except DuplicateJobError:
            continue  # somebody enqueued it meanwhile: look again
    return "in_flight"
