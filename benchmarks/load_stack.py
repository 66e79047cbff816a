"""The distributed stack the load benchmark runs against: ``scripts/stack.sh`` when the repository has it,
else the same topology started here from the test servers (tests/pg.py, redis_server.py, seaweed.py).

Either way the benchmark sees one thing: ``env`` (every ``SOHOA_*`` setting of the stack, plus
``SOHOA_URL``, ``SOHOA_TOKEN`` for a reception clerk, ``SOHOA_ADMIN_TOKEN``), ``set_workers(n)`` and ``down()``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pg import PostgresServer, find_bindir  # noqa: E402
from queue_helpers import kill_tree, queue_env, sohoa, start_worker  # noqa: E402
from redis_server import RedisServer, free_port  # noqa: E402
from seaweed import SeaweedServer, find_weed  # noqa: E402

STACK_SH = ROOT / "scripts" / "stack.sh"
CLERK, ADMIN = "load.clerk", "load.admin"


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=value`` lines (optionally ``export``-ed and quoted), as stack.sh writes them."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip().removeprefix("export ").strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip().strip("'\"")
    return env


class ScriptStack:
    """``scripts/stack.sh`` in a folder of its own."""

    def __init__(self, folder: Path, workers: int) -> None:
        self.folder = folder
        subprocess.run([str(STACK_SH), "up", "--dir", str(folder), "--workers", str(workers)], check=True, timeout=600)
        self.env = dict(os.environ) | read_env_file(folder / "stack.env")

    def set_workers(self, n: int) -> None:
        """Run ``n`` workers from now on."""
        subprocess.run([str(STACK_SH), "workers", str(n), "--dir", str(self.folder)], check=True, timeout=300)

    def down(self) -> None:
        subprocess.run([str(STACK_SH), "down", "--dir", str(self.folder)], check=False, timeout=300)


class LocalStack:
    """PostgreSQL, Redis, SeaweedFS, ``sohoa serve`` and ``n`` workers as local processes on loopback ports."""

    def __init__(self, folder: Path, workers: int) -> None:
        self.folder = folder
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        self.redis, self.pg = RedisServer(), PostgresServer(find_bindir())  # type: ignore[arg-type]
        self.s3 = SeaweedServer(find_weed())  # type: ignore[arg-type]
        self.workers: list[subprocess.Popen[bytes]] = []
        self.web: subprocess.Popen[bytes] | None = None
        for server in (self.redis, self.pg, self.s3):
            server.start()
        port = free_port()
        self.env = queue_env(
            folder / "data",
            self.redis.url,
            SOHOA_DATABASE_URL=self.pg.create_database(),
            SOHOA_STORAGE_URL="s3://sohoa-load/office",
            SOHOA_WEB_PORT=str(port),
            SOHOA_URL=f"http://127.0.0.1:{port}",
            SOHOA_JOB_RETRIES="3",
            SOHOA_RETRY_INTERVALS_S="10,60,300",
            **self.s3.env(),
        )
        for name in ("SOHOA_WORKER_TTL_S", "SOHOA_JOB_MONITORING_INTERVAL_S", "SOHOA_HEARTBEAT_GRACE_S",
                     "SOHOA_MAINTENANCE_INTERVAL_S", "SOHOA_RECONCILE_INTERVAL_S"):  # fmt: skip
            self.env.pop(name)  # production timings (sohoa/settings.py), not the tests' fast ones
        users = dict(self.env, SOHOA_NEW_PASSWORD="mat-khau-tai-thu")
        sohoa(users, "users", "add", CLERK, "--role", "reception")
        sohoa(users, "users", "add", ADMIN, "--role", "admin")
        self.env["SOHOA_TOKEN"] = sohoa(
            users, "users", "token", CLERK, "--scope", "submit", "--scope", "read"
        ).stdout.strip()
        self.env["SOHOA_ADMIN_TOKEN"] = sohoa(users, "users", "token", ADMIN, "--scope", "read").stdout.strip()
        self.web = subprocess.Popen(
            [str(Path(sys.executable).with_name("sohoa")), "serve"], env=self.env, stdout=subprocess.DEVNULL,
            stderr=open(folder / "logs" / "web.log", "ab"), start_new_session=True,  # noqa: SIM115
        )  # fmt: skip
        self._wait_web()
        self.set_workers(workers)

    def _wait_web(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.env["SOHOA_URL"] + "/login", timeout=2).read()
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("sohoa serve did not answer: " + (self.folder / "logs" / "web.log").read_text()[-2000:])

    def set_workers(self, n: int) -> None:
        """Start or stop workers until ``n`` run."""
        while len(self.workers) < n:
            name = f"worker{len(self.workers) + 1}"
            self.workers.append(start_worker(self.env, name, self.folder / "logs" / f"{name}.log"))
        while len(self.workers) > n:
            kill_tree(self.workers.pop())

    def down(self) -> None:
        for proc in [*self.workers, *([self.web] if self.web else [])]:
            kill_tree(proc)
        for server in (self.s3, self.redis, self.pg):
            server.stop()
        shutil.rmtree(self.folder / "data", ignore_errors=True)


def open_stack(folder: Path, workers: int) -> ScriptStack | LocalStack:
    """The repository's stack.sh if present, else the local one."""
    return ScriptStack(folder, workers) if STACK_SH.is_file() else LocalStack(folder, workers)
