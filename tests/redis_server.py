"""A real, throw-away redis-server for the queue tests (the ``redis_url`` fixture in conftest.py uses it).

Like tests/pg.py: our own server process, listening only on 127.0.0.1 on a free port, no persistence
(``--save '' --appendonly no``: a restart comes back empty, which the Redis-loss test relies on), in a
folder under /tmp, stopped by its PID. Tests that kill and restart Redis make their own instance.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT_S = 10


def why_not_available() -> str | None:
    """The reason Redis tests cannot run here, or ``None``."""
    return None if shutil.which("redis-server") else "redis-server not found (apt install redis-server)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers_ping(port: int) -> bool:
    """Whether a Redis server on 127.0.0.1:``port`` answers PING now (shared with scripts/stack.py)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """``start()`` / ``kill()`` / ``stop()``; ``url`` once started. ``start()`` again reuses the port."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="sohoa-redis-", dir="/tmp"))
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start on the same port as before (after a kill), or a free one; wait until it answers PING."""
        self.port = self.port or free_port()
        log = open(self.root / "redis.log", "ab")  # noqa: SIM115 - kept open for the server's life
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.root),
                "--protected-mode", "yes",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.root,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if answers_ping(self.port):
                return
            if self.proc.poll() is not None:
                raise RuntimeError((self.root / "redis.log").read_text(errors="replace")[-2000:])
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def kill(self) -> None:
        """SIGKILL, as a crash: nothing is saved."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        """Stop and remove the folder."""
        try:
            if self.proc and self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
