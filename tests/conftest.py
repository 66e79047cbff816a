"""Shared fixtures: an isolated data folder per test, and the `sohoa` command of this virtualenv."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

SOHOA = str(Path(sys.executable).with_name("sohoa"))


@pytest.fixture
def data_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a `sohoa` subprocess with its own data folder (SQLite, objects, keys)."""
    return dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"))


# --- The results database on both backends: SQLite and a real PostgreSQL server (tests/pg.py). ---

from collections.abc import Iterator  # noqa: E402

from pg import PostgresServer, find_bindir, why_not_available  # noqa: E402


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole test session, started on first use, removed at the end."""
    reason = why_not_available()
    if reason:
        pytest.skip(reason)
    server = PostgresServer(find_bindir())  # type: ignore[arg-type]
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty results database (not migrated yet): a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'sohoa.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


import multiprocessing  # noqa: E402
from multiprocessing.context import BaseContext  # noqa: E402

# What every worker process of the concurrency tests imports, loaded once into the fork server.
_PRELOAD = ["pytest", "sqlalchemy", "psycopg", "pipeline.models", "storage.db", "storage.repository", "workers.review"]


@pytest.fixture(scope="session")
def worker_processes() -> BaseContext:
    """Start worker processes for concurrency tests: fresh interpreters, like separate workers, not forks of
    pytest (whose threads and open connections must not be copied), served by one fork server that has
    imported sohoa once, so a pool starts in 0.1 s instead of a second or more of imports per process."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


# --- A real redis-server for the queue tests (tests/redis_server.py). ---

from redis_server import RedisServer  # noqa: E402
from redis_server import why_not_available as redis_missing  # noqa: E402


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the session, on a free loopback port; tests that kill Redis start their own."""
    reason = redis_missing()
    if reason:
        pytest.skip(reason)
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session server's URL, emptied for this test."""
    from redis import Redis

    Redis.from_url(redis_server.url).flushall()
    return redis_server.url
