"""``/healthz``, ``/readyz`` and ``/metrics`` of `sohoa serve`, for an orchestrator and Prometheus.

Why three: ``/healthz`` says only that the process answers (restart it if not), ``/readyz`` that it can work
now (database, Redis, object store, signer: ``workers.readiness``; 503 naming what failed, so traffic waits
instead of failing), ``/metrics`` what it did (requests by method and status class, their duration, and the
queues' depth read from Redis). None is in the OpenAPI document: they are for machines of the office, not
API clients. They carry no personal data.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from workers.metrics import QueueCollector
from workers.readiness import Readiness
from workers.service import Service

REQUEST_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60)


class WebMetrics:
    """The web process's registry: its requests, and the queues when there are queues."""

    def __init__(self, service: Service) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "sohoa_http_requests",
            "HTTP requests served, by method and status class",
            ["method", "status"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "sohoa_http_request_seconds",
            "Time to answer an HTTP request",
            ["method"],
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        if service.settings.redis_url:  # no PING here: a scrape while Redis is away reports no queues
            from redis import Redis

            url = service.settings.redis_url.get_secret_value()
            conn = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
            self.registry.register(QueueCollector(conn))

    def observe(self, method: str, status: int, seconds: float) -> None:
        self.requests.labels(method, f"{status // 100}xx").inc()
        self.seconds.labels(method).observe(seconds)


def install(app: FastAPI, service: Service) -> None:
    """Add the three endpoints and the request metrics to ``app``."""
    readiness = Readiness(service.settings)
    metrics = WebMetrics(service)
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    def readyz() -> Response:
        ok, report = readiness.report()
        return JSONResponse(report, status_code=200 if ok else 503)

    @router.get("/metrics")
    def scrape() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)

    @app.middleware("http")
    async def count(request: Request, call_next):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        response = await call_next(request)
        metrics.observe(request.method, response.status_code, time.perf_counter() - started)
        return response
