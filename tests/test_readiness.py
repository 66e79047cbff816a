"""``/readyz`` of `sohoa serve` and of a worker's metrics port: 503 naming Redis while Redis is stopped, 200 again
once it is back; ``/healthz`` answers throughout (it checks nothing), and ``/metrics`` serves the queues.

A Redis server of the test's own (tests/redis_server.py), so stopping it disturbs no other test.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from redis_server import RedisServer, free_port
from redis_server import why_not_available as redis_missing
from web_helpers import make_service

from web.app import create_app
from workers.metrics import WorkerMetrics
from workers.readiness import Readiness

pytestmark = pytest.mark.skipif(redis_missing() is not None, reason=redis_missing() or "")


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _until_ready(probe: Callable[[], Any], timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        reply = probe()
        if reply.status_code == 200 or time.monotonic() > deadline:
            assert reply.status_code == 200, reply.text
            return reply
        time.sleep(0.5)


def test_readyz_names_redis_while_it_is_down_on_the_web_and_on_a_worker(tmp_path: Path, redis: RedisServer) -> None:
    from fastapi.testclient import TestClient

    service = make_service(tmp_path / "data", redis_url=redis.url, signer="dev")
    try:
        web = TestClient(create_app(service, background=False))
        metrics = WorkerMetrics(Redis.from_url(redis.url, socket_connect_timeout=1, socket_timeout=2))
        port = free_port()
        server = metrics.serve(port, Readiness(service.settings, timeout_s=1.5))
        worker = f"http://127.0.0.1:{port}"
        try:
            up = _until_ready(lambda: web.get("/readyz"))  # the first probe may find the new key still being made
            assert set(up.json()["checks"]) == {"database", "redis", "object_store", "signer"}
            assert _get(f"{worker}/readyz")[0] == 200
            assert b"sohoa_queue_jobs" in _get(f"{worker}/metrics")[1]

            redis.kill()
            down = web.get("/readyz")
            assert down.status_code == 503, down.text
            checks = down.json()["checks"]
            assert checks["redis"]["ok"] is False and checks["redis"]["error"]
            assert all(checks[name]["ok"] for name in ("database", "object_store", "signer")), checks
            status, body = _get(f"{worker}/readyz")
            assert status == 503 and json.loads(body)["checks"]["redis"]["ok"] is False
            assert web.get("/healthz").status_code == 200 and _get(f"{worker}/healthz")[0] == 200

            redis.start()  # the same port
            assert web.get("/readyz").status_code == 200
            assert _get(f"{worker}/readyz")[0] == 200
            assert "sohoa_http_requests_total" in web.get("/metrics").text
        finally:
            server.shutdown()
    finally:
        service.close()
