"""``/readyz`` of `sohoa serve` and of every worker: can this process do its work right now?

Why each check has its own short timeout, in a thread: a hung dependency (a stopped Redis, a partitioned S3
server) must make the probe answer "not ready, because of X" within seconds, not hang the orchestrator's
health check until it kills a process that is fine. Only configured components are checked (the embedded mode
has no Redis). A check that times out is left to finish in its daemon thread, and is not started again while it
runs (the first load of a signing key can take longer than a probe: the probes after it see it loaded).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sohoa.settings import Settings

CHECK_TIMEOUT_S = 2.0


@dataclass
class Readiness:
    """The checks for one process's settings; connections are made on first use and kept."""

    settings: Settings
    timeout_s: float = CHECK_TIMEOUT_S
    _engine: Any = field(default=None, repr=False)
    _running: dict[str, threading.Thread] = field(default_factory=dict, repr=False)

    def checks(self) -> dict[str, Callable[[], None]]:
        """Component name -> a check that raises when the component is not usable."""
        found: dict[str, Callable[[], None]] = {"database": self._database}
        if self.settings.redis_url:
            found["redis"] = self._redis
        found["object_store"] = self._object_store
        found["signer"] = self._signer
        return found

    def report(self) -> tuple[bool, dict[str, Any]]:
        """Run every check at once (each bounded by ``timeout_s``): (all ok, JSON-able report)."""
        results: dict[str, dict[str, Any]] = {}
        threads = []
        for name, check in self.checks().items():
            earlier = self._running.get(name)
            if earlier is not None and earlier.is_alive():  # a hung check is not started a second time
                results[name] = {"ok": False, "error": "the previous check has not answered yet"}
                continue
            thread = threading.Thread(target=_timed, args=(check, results, name), daemon=True, name=f"readyz-{name}")
            thread.start()
            self._running[name] = thread
            threads.append((name, thread))
        deadline = time.monotonic() + self.timeout_s
        for name, thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                results[name] = {"ok": False, "error": f"no answer within {self.timeout_s:g} s"}
        checks = {name: dict(results[name]) for name in self.checks()}
        ok = all(c["ok"] for c in checks.values())
        return ok, {"ready": ok, "checks": checks}

    def _database(self) -> None:
        from sqlalchemy import text

        from storage.db import make_engine

        if self._engine is None:
            self._engine = make_engine(self.settings.effective_database_url)
        with self._engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def _redis(self) -> None:
        from redis import Redis

        assert self.settings.redis_url is not None
        url = self.settings.redis_url.get_secret_value()
        with Redis.from_url(url, socket_connect_timeout=self.timeout_s, socket_timeout=self.timeout_s) as conn:
            conn.ping()

    def _object_store(self) -> None:
        url = self.settings.effective_storage_url
        if url.startswith("s3://"):
            import urllib3

            from storage.s3 import make_client, s3_config

            config = s3_config(url, self.settings)
            http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=self.timeout_s, read=3))
            client = make_client(config, http)
            if not client.bucket_exists(config.bucket):
                raise RuntimeError(f"bucket {config.bucket} does not exist")
            return
        from urllib.parse import unquote, urlsplit
        from urllib.request import url2pathname

        folder = Path(url2pathname(unquote(urlsplit(url).path)))
        if not (folder.is_dir() and os.access(folder, os.W_OK)):
            raise RuntimeError(f"object folder {folder} missing or not writable")

    def _signer(self) -> None:
        from signing.keys import open_signer

        with open_signer(self.settings) as signer:
            if signer.signing_cert is None:
                raise RuntimeError("the signer has no certificate")


def _timed(check: Callable[[], None], results: dict[str, dict[str, Any]], name: str) -> None:
    started = time.monotonic()
    try:
        check()
        results[name] = {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}
    except Exception as exc:  # any failure is the answer: the component is named with its error
        results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
