"""A real, throw-away PostgreSQL server for the tests (the fixtures in conftest.py use it).

Why this way: the Debian package ``postgresql`` ships the server binaries under
``/usr/lib/postgresql/<version>/bin`` but we do not touch its cluster. We make our own in a folder
under /tmp (pytest's tmp folders are closed to other users), owned by the ``postgres`` account when
we run as root (the server refuses to run as root), listening only on 127.0.0.1 on a free port with
trust authentication, with durability off (``fsync=off``: a test server loses nothing it needs).

Each test gets an empty database of its own: a schema of the one ``sohoa`` database, named first in the
connection's ``search_path`` (through the URL), so every table, index, trigger function and
``alembic_version`` of the test lands there. A schema costs a few milliseconds where a ``CREATE
DATABASE`` costs a checkpoint (0.2 s); it is dropped afterwards, and the server at the end of the session.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SERVER_USER = "postgres"
DATABASE = "sohoa"
START_TIMEOUT_S = 30
_names = itertools.count(1)


def find_bindir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding ``initdb`` and ``pg_ctl``, if any."""
    found = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")]
    found = [p for p in found if (p / "initdb").is_file() and (p / "pg_ctl").is_file()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, default=None)


def why_not_available() -> str | None:
    """The reason PostgreSQL tests cannot run here, or ``None`` when they can."""
    if find_bindir() is None:
        return "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root but there is no '{SERVER_USER}' account to run the server as"
        if shutil.which("runuser") is None:
            return "running as root but 'runuser' is missing"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """One server: ``start()``, ``create_database()`` per test, ``stop()`` (which removes everything)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="sohoa-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.port = 0
        self._made = False
        self._as_root = os.geteuid() == 0
        if self._as_root:
            os.chown(self.root, pwd.getpwnam(SERVER_USER).pw_uid, -1)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", SERVER_USER, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=START_TIMEOUT_S + 30, cwd=self.root)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.is_file() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")

    def start(self) -> None:
        """``initdb`` then ``pg_ctl start``, retrying on another port if the chosen one was taken meanwhile."""
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale")
        for attempt in range(3):
            self.port = _free_port()
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            self._options = options
            try:
                self._pg_start()
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def _pg_start(self) -> None:
        log, timeout = str(self.root / "server.log"), str(START_TIMEOUT_S)
        self._run("pg_ctl", "start", "-D", str(self.data), "-l", log, "-w", "-t", timeout, "-o", self._options)

    def crash_and_restart(self, down_s: float = 0.0) -> None:
        """Stop at once (``immediate``: no shutdown checkpoint, clients cut off, as a crash), stay down
        ``down_s`` seconds, start again on the same port and data (crash recovery runs)."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        time.sleep(down_s)
        self._pg_start()

    def _admin(self, *statements: str, database: str = DATABASE) -> None:
        import psycopg

        conninfo = f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self) -> str:
        """A new empty database (a schema of its own, see the module docstring); its SQLAlchemy URL."""
        if not self._made:
            self._admin(f"CREATE DATABASE {DATABASE}", database="postgres")
            self._made = True
        schema = f"t{os.getpid()}_{next(_names)}"
        self._admin(f"CREATE SCHEMA {schema}")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}?options=-csearch_path%3D{schema}"

    def drop_database(self, url: str) -> None:
        """Drop a test's schema, first closing the connections tests left open (as ``DROP DATABASE WITH
        (FORCE)`` would): tests run one after the other, so none is still in use."""
        schema = url.rsplit("%3D", 1)[1]
        self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{DATABASE}' AND pid <> pg_backend_pid()",
            f"DROP SCHEMA {schema} CASCADE",
        )

    def stop(self) -> None:
        """Stop (``fast``: disconnect clients, no waiting for them) and remove the folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
