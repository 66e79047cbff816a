"""``sohoa worker``: an RQ worker on sohoa's queues, tuned so a dead worker's job is re-run in about a minute.

What differs from a plain ``rq worker`` and why (measurements in ../shared/notes/reliability.md §1.2):

- **Heartbeat.** RQ keeps a running job's entry alive for ``min(job_monitoring_interval, time left) + 60``
  seconds and re-runs a killed worker's job only after that expires *and* another worker runs maintenance:
  ~13 min with defaults. Here the entry lives ``job_monitoring_interval + heartbeat_grace`` (10 + 20 s),
  maintenance runs every ``maintenance_interval`` (15 s) and an idle worker wakes every
  ``worker_ttl - 15`` s (15 s), so a SIGKILLed worker's job is retried by RQ's own
  ``StartedJobRegistry.cleanup`` (with ``Retry``) within about 60 s.
- **Children die with their job.** A job's process runs in its own process group (RQ calls ``setpgrp``);
  when it ends, for whatever reason (finished, timed out, killed), the worker kills what is left of that
  group: a tesseract or pdftoppm started by a job that timed out never outlives it.
- **Reconciler.** Every maintenance pass also runs ``workers.reconcile`` when due (one worker at a time).
- **Scheduler.** Always started: retries with an interval wait in RQ's ScheduledJobRegistry and would
  stay there for ever without one.
- **Metrics and logs**: see ``workers.metrics`` and ``workers.logs``.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import time

from redis import Redis
from rq import Queue, Worker
from rq.job import Job
from rq.serializers import JSONSerializer

from pipeline.ocr import preload, single_thread_env
from sohoa.settings import Settings
from storage.db import make_engine, migrate
from workers import jobs, queues
from workers.logs import dossier_scope
from workers.metrics import WorkerMetrics
from workers.reconcile import reconcile_if_due
from workers.warm import warm_signing

log = logging.getLogger("sohoa.worker")


class SohoaWorker(Worker):
    """RQ's forking worker with a short heartbeat, child clean-up, reconciling and metrics."""

    heartbeat_grace_s = 20
    metrics: WorkerMetrics | None = None
    settings: Settings | None = None

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """RQ's rule with our grace instead of a fixed 60 s (see the module docstring)."""
        if job.timeout and job.timeout > 0:
            return int(min(job.timeout - working_time, self.job_monitoring_interval)) + self.heartbeat_grace_s
        return self.job_monitoring_interval + self.heartbeat_grace_s

    def fork_work_horse(self, job: Job, queue: Queue) -> None:
        super().fork_work_horse(job, queue)
        self._job_group = self._horse_pid  # the horse calls setpgrp(): its pid is its process group

    def execute_job(self, job: Job, queue: Queue) -> None:
        code = job.args[0] if job.args else None
        started = time.monotonic()
        self._job_group = 0
        with dossier_scope(code):
            try:
                super().execute_job(job, queue)
            finally:
                kill_group(self._job_group)
                if self.metrics is not None:
                    self.metrics.record(job, time.monotonic() - started)

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        if self.settings is None:
            return
        try:
            report = reconcile_if_due(jobs.context(self.settings), self.connection)
            if report and (report.enqueued or report.failed):
                log.warning("reconcile: %s", report.to_dict())
        except Exception:  # the reconciler must never take the worker down; it runs again next time
            log.exception("reconcile failed")


def kill_group(pgid: int) -> None:
    """SIGKILL every process left in the job's process group (none, normally)."""
    if pgid <= 1 or pgid == os.getpgrp():
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
        log.warning("killed processes left by the job in process group %d", pgid)


def make_worker(settings: Settings, conn: Redis, *, name: str | None = None) -> SohoaWorker:
    """A worker on sohoa's queues (fan-in first), configured from the settings."""
    worker = SohoaWorker(
        [queues.queue(conn, q) for q in queues.QUEUE_ORDER],
        connection=conn,
        name=name,
        serializer=JSONSerializer,
        worker_ttl=settings.worker_ttl_s,
        job_monitoring_interval=settings.job_monitoring_interval_s,
        maintenance_interval=settings.maintenance_interval_s,
    )
    worker.heartbeat_grace_s = settings.heartbeat_grace_s
    worker.settings = settings
    return worker


def run_worker(settings: Settings, *, name: str | None = None, burst: bool = False) -> bool:
    """Migrate the database once, start metrics if configured, then work until stopped (or empty, in burst).

    Tesseract gets one OpenMP thread, as in the embedded page pool: several workers per machine are the
    parallelism, and Tesseract's own threads on top made each page several times slower (workers/pages.py).
    """
    single_thread_env()
    conn = queues.connect(settings)
    migrate(make_engine(settings.effective_database_url))
    warm_signing(settings)  # each job runs in a fork: loaded here, signing's modules and key are loaded once
    preload(settings.ocr_lang)  # and Tesseract's models, which every page job would otherwise load again
    gc.freeze()  # what is loaded now stays out of the collector: a job's collections no longer copy it
    worker = make_worker(settings, conn, name=name)
    if settings.metrics_port is not None:
        worker.metrics = WorkerMetrics(conn)
        worker.metrics.serve(settings.metrics_port)
        log.info("metrics on port %d", settings.metrics_port)
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
