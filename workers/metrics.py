"""Prometheus metrics of one worker, recorded in the worker process, not in the forked job processes.

Why in the parent: RQ runs each job in a fresh fork, so counters incremented there would die with it
(or, in prometheus_client's multiprocess mode, leave a file per job process). The worker process sees
every job start and end; the job reports its per-stage seconds through ``job.meta`` (saved in Redis),
and the worker reads them after the job process exits. Queue depth and jobs by state are read from
Redis at scrape time by a collector, so they are right however many workers there are.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from redis import Redis
from rq.job import Job

from workers import queues
from workers.readiness import Readiness

STAGE_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 300, 600, 1800)


class QueueCollector(Collector):
    """``sohoa_queue_jobs{queue,state}``: queued, started, scheduled, deferred, failed, finished (from Redis)."""

    def __init__(self, conn: Redis) -> None:
        self.conn = conn

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("sohoa_queue_jobs", "Jobs in sohoa's queues by state", labels=["queue", "state"])
        for name in queues.QUEUE_ORDER:
            q = queues.queue(self.conn, name)
            try:
                counts = {
                    "queued": q.count,
                    "started": q.started_job_registry.count,
                    "scheduled": q.scheduled_job_registry.count,
                    "deferred": q.deferred_job_registry.count,
                    "failed": q.failed_job_registry.count,
                    "finished": q.finished_job_registry.count,
                }
            except Exception:  # Redis down: report nothing rather than fail the scrape
                continue
            for state, value in counts.items():
                family.add_metric([name, state], value)
        yield family


class WorkerMetrics:
    """The metrics one worker exposes on ``SOHOA_METRICS_PORT``."""

    def __init__(self, conn: Redis) -> None:
        self.registry = CollectorRegistry()
        self.jobs = Counter(
            "sohoa_jobs", "Jobs this worker ran, by kind and how they ended", ["kind", "state"], registry=self.registry
        )
        self.job_seconds = Histogram(
            "sohoa_job_seconds", "Wall time of a job", ["kind"], buckets=STAGE_BUCKETS, registry=self.registry
        )
        self.stage_seconds = Histogram(
            "sohoa_stage_seconds",
            "Time per stage (pages, clean, ocr, finish)",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=self.registry,
        )
        self.pages = Counter("sohoa_pages", "Pages OCRed by this worker", registry=self.registry)
        self._recent: deque[float] = deque()
        from prometheus_client import Gauge

        self.pages_per_minute = Gauge(
            "sohoa_pages_per_minute", "Pages this worker finished in the last 60 s", registry=self.registry
        )
        self.pages_per_minute.set_function(self._per_minute)
        self.registry.register(QueueCollector(conn))

    def serve(self, port: int, readiness: Readiness | None = None) -> ThreadingHTTPServer:
        """Serve ``/metrics``, ``/healthz`` and ``/readyz`` (``workers.readiness``) on ``port`` (all addresses)
        from a daemon thread of the worker process, so one port answers both Prometheus and the orchestrator."""
        registry = self.registry

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
                elif path == "/healthz":
                    self._send(200, b'{"status": "ok"}', "application/json")
                elif path == "/readyz" and readiness is not None:
                    ok, report = readiness.report()
                    self._send(200 if ok else 503, json.dumps(report).encode(), "application/json")
                else:
                    self._send(404, b'{"error": "not found"}', "application/json")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:  # probes every few seconds: no access log
                pass

        server = ThreadingHTTPServer(("", port), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
        return server

    def _per_minute(self) -> float:
        cutoff = time.monotonic() - 60
        while self._recent and self._recent[0] < cutoff:
            self._recent.popleft()
        return float(len(self._recent))

    def record(self, job: Job, seconds: float) -> None:
        """Count a job that just ended (its status as RQ left it: finished, failed, queued/scheduled for retry)."""
        kind = queues.job_kind(job.id)
        try:
            job.refresh()
            state = job.get_status(refresh=False)
            meta = job.meta or {}
        except Exception:  # the job expired or Redis went away: count what we know
            state, meta = None, {}
        self.jobs.labels(kind, state.value if state else "unknown").inc()
        self.job_seconds.labels(kind).observe(seconds)
        for stage, value in (meta.get("stage_seconds") or {}).items():
            self.stage_seconds.labels(stage).observe(float(value))
        if meta.get("pages"):
            self.pages.inc(int(meta["pages"]))
            self._recent.append(time.monotonic())
