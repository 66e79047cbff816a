"""``sohoa worker``: an RQ worker on sohoa's queues, tuned so a dead worker's job is re-run in about a minute.

What differs from a plain ``rq worker`` and why (measurements in ../shared/notes/reliability.md §1.2):

- **Heartbeat.** RQ keeps a running job's entry alive for ``min(job_monitoring_interval, time left) + 60``
  seconds and re-runs a killed worker's job only after that expires *and* another worker runs maintenance:
  ~13 min with defaults. Here the entry lives ``job_monitoring_interval + heartbeat_grace`` (10 + 20 s),
  maintenance runs every ``maintenance_interval`` (15 s) and an idle worker wakes every
  ``worker_ttl - 15`` s (15 s), so a SIGKILLed worker's job is retried by RQ's own
  ``StartedJobRegistry.cleanup`` (with ``Retry``) within about 60 s.
- **Jobs run in the worker's own process** (``SOHOA_FORK_JOBS=false``, the default), not in a process forked
  per job as RQ does. A forked job loses, when it ends, everything it loaded or warmed: the database
  connection and its compiled statements, caches filled on first use, and the copy-on-write pages it
  touched. On one core that cost 17 % of a 40-page batch against the embedded mode, and 6-7 % with jobs
  run here (``benchmarks/distributed.py``). What the fork gave is kept another way:
  - *heartbeats* during a job come from a thread (RQ's forking worker sends them while it waits);
  - the *timeout* is RQ's own (SIGALRM in the job); a job stuck a minute past it in native code that
    never returns ends the worker, and its job is re-run elsewhere like a killed worker's;
  - *children die with their job*: processes the job started and left behind are killed when it ends;
  - a *crash* in native code (Tesseract, Leptonica) ends the worker instead of one job: the job is re-run
    by another worker within a minute, like after a SIGKILL. Run workers under a supervisor that restarts
    them (systemd ``Restart=always``), or set ``SOHOA_FORK_JOBS=true`` to fork per job again; each job's
    process group is then killed when it ends.
- **Reconciler.** Every maintenance pass also runs ``workers.reconcile`` when due (one worker at a time),
  and seals the audit log when a seal is due (``workers.seals``; one worker per maintenance interval).
- **Scheduler.** Always started: retries with an interval wait in RQ's ScheduledJobRegistry and would
  stay there for ever without one.
- **Metrics and logs**: see ``workers.metrics`` and ``workers.logs``; the metrics port also answers
  ``/healthz`` and ``/readyz`` (``workers.readiness``).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import threading
import time

import psutil
from redis import Redis
from rq import Queue, Worker
from rq.executions import Execution
from rq.job import Job
from rq.serializers import JSONSerializer
from rq.worker import WorkerStatus

from pipeline.ocr import preload, single_thread_env
from sohoa.settings import Settings
from storage.db import migrate_for
from workers import housekeeping, jobs, queues
from workers.logs import dossier_scope
from workers.metrics import WorkerMetrics
from workers.readiness import Readiness
from workers.reconcile import reconcile_if_due
from workers.seals import seal_if_due
from workers.warm import warm_pipeline, warm_signing

log = logging.getLogger("sohoa.worker")
SEAL_LOCK_KEY = "sohoa:audit-seal-lock"


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

    def subscribe(self) -> None:
        """RQ's, with the pub/sub thread waking every second instead of every 60 s: redis-py 8's
        ``PubSubWorkerThread.stop()`` waits for that wake-up, so a stopped worker took up to a minute to exit
        (measured: 30 s and more for ``stack.sh down``, and a container's grace period would end in SIGKILL)."""
        self.log.info("Worker %s: subscribing to channel %s", self.name, self.pubsub_channel_name)
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def fork_work_horse(self, job: Job, queue: Queue) -> None:
        super().fork_work_horse(job, queue)
        self._job_group = self._horse_pid  # the horse calls setpgrp(): its pid is its process group

    def execute_job(self, job: Job, queue: Queue) -> None:
        code = job.args[0] if job.args else None
        started = time.monotonic()
        self._job_group = 0
        with dossier_scope(code):
            try:
                if self.settings is not None and self.settings.fork_jobs:
                    if queues.job_kind(job.id) == "finish":
                        # The development key may have been made by an earlier job since this worker started:
                        # loaded here (microseconds once loaded), each fan-in's fork inherits it instead of
                        # unlocking it again (~0.2 s a dossier, measured in benchmarks/distributed.py).
                        warm_signing(self.settings)
                    super().execute_job(job, queue)
                else:
                    self._execute_here(job, queue)
            finally:
                kill_group(self._job_group)
                if self.metrics is not None:
                    self.metrics.record(job, time.monotonic() - started)

    def _execute_here(self, job: Job, queue: Queue) -> None:
        """Run the job in this process, as RQ's ``SimpleWorker`` does, with heartbeats from a thread and the
        processes it leaves behind killed (see the module docstring)."""
        execution = self.prepare_execution(job)
        before = child_pids()
        try:
            with JobHeartbeat(self, job, execution):
                self.perform_job(job, queue, execution)
        finally:
            kill_new_children(before)
        self.set_state(WorkerStatus.IDLE)

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        if self.settings is None:
            return
        try:
            report = reconcile_if_due(jobs.context(self.settings), self.connection)
            if report and (report.enqueued or report.failed or report.purged):
                log.warning("reconcile: %s", report.to_dict())
        except Exception:  # the reconciler must never take the worker down; it runs again next time
            log.exception("reconcile failed")
        try:  # seal the audit log when due, one worker per maintenance interval (workers.seals)
            if self.connection.set(SEAL_LOCK_KEY, "1", nx=True, ex=self.settings.maintenance_interval_s):
                seal_if_due(jobs.context(self.settings))
        except Exception:  # like the reconciler: never fatal, tried again next time
            log.exception("audit seal failed")
        try:
            housekeeping.sweep(jobs.context(self.settings))  # this machine's scratch files no job needs
        except Exception:
            log.exception("housekeeping failed")


class JobHeartbeat:
    """While a job runs in the worker's process: RQ's heartbeats every ``job_monitoring_interval`` seconds, so
    the job's entry stays alive only as long as the worker does (a killed worker's job is re-run within a
    minute); and the worker ends if the job is a minute past its timeout (stuck where SIGALRM cannot reach)."""

    def __init__(self, worker: SohoaWorker, job: Job, execution: Execution) -> None:
        self.worker, self.job, self.execution = worker, job, execution
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-heartbeat", daemon=True)

    def __enter__(self) -> JobHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stop.wait(self.worker.job_monitoring_interval):
            limit = self.job.timeout if self.job.timeout and self.job.timeout > 0 else None
            if limit is not None and time.monotonic() - started > limit + 60:
                log.error("job %s is stuck a minute past its %d s timeout: the worker stops", self.job.id, limit)
                os._exit(70)  # its job is re-run by another worker, as after a SIGKILL
            try:
                self.worker.maintain_heartbeats(self.job, self.execution)
            except Exception as exc:  # Redis away for a moment: the next beat tries again
                log.warning("heartbeat failed: %s", exc)


def child_pids() -> set[int]:
    """This process's descendants now."""
    return {p.pid for p in psutil.Process().children(recursive=True)}


def kill_new_children(before: set[int]) -> None:
    """SIGKILL descendants that are not in ``before``: what a job run in this process started and left."""
    for proc in psutil.Process().children(recursive=True):
        if proc.pid not in before:
            with contextlib.suppress(psutil.Error):
                proc.kill()
                log.warning("killed process %d left by the job", proc.pid)


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

    A worker signs, so it refuses to start without a configured key (``Settings.chosen_signer``: the
    development key only with ``SOHOA_SIGNER=dev``, as a worker is never the embedded mode).
    """
    settings.chosen_signer()
    os.umask(0o077)  # page images, OCR text and results it writes are personal data: 0600 files, 0700 folders
    single_thread_env()
    conn = queues.connect(settings)
    migrate_for(settings)
    warm_signing(settings)  # loaded once here, signing's modules and key serve every job (or forked job)
    preload(settings.ocr_lang)  # and Tesseract's models, which every page job would otherwise load again
    warm_pipeline()  # and the vocabularies the jobs read
    gc.freeze()  # what is loaded now stays out of the collector: a job's collections no longer copy it
    worker = make_worker(settings, conn, name=name)
    if settings.metrics_port is not None:
        worker.metrics = WorkerMetrics(conn)
        worker.metrics.serve(settings.metrics_port, Readiness(settings))
        log.info("metrics on port %d", settings.metrics_port)
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
