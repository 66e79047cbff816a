"""Shared fixtures: an isolated data folder per test, and the `sohoa` command of this virtualenv."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

SOHOA = str(Path(sys.executable).with_name("sohoa"))


@pytest.fixture
def data_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a `sohoa` subprocess with its own data folder (SQLite, objects, keys)."""
    return dict(os.environ, SOHOA_DATA_DIR=str(tmp_path / "data"))


# --- The results database on both backends: SQLite and a real PostgreSQL server (tests/pg.py). ---

from collections.abc import Iterator  # noqa: E402

from pg import PostgresServer, find_bindir, why_not_available  # noqa: E402


def serve_for_session(unavailable: Any, make: Any) -> Iterator[Any]:
    """Skip when the server's binary is missing (``unavailable()`` says why); else start it, yield it, stop it."""
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    server = make()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole test session, started on first use, removed at the end."""
    yield from serve_for_session(why_not_available, lambda: PostgresServer(find_bindir()))


@pytest.fixture
def engine(db_url: str) -> Iterator[Any]:
    """A migrated results database (each backend of ``db_url``), disposed of after the test."""
    from storage.db import make_engine, migrate

    migrate(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


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


# --- Object storage on both backends: the local folder and a real S3 server (SeaweedFS, tests/seaweed.py). ---

import itertools  # noqa: E402

from seaweed import SeaweedServer, find_weed  # noqa: E402
from seaweed import why_not_available as weed_missing  # noqa: E402

_buckets = itertools.count(1)


@pytest.fixture(scope="session")
def seaweed_server() -> Iterator[SeaweedServer]:
    """One `weed mini` for the whole test session, started on first use, stopped and removed at the end."""
    yield from serve_for_session(weed_missing, lambda: SeaweedServer(find_weed()))


@pytest.fixture
def s3_bucket_url(request: pytest.FixtureRequest) -> str:
    """``s3://sohoa-test/<new prefix>`` on the session's SeaweedFS: every test starts with an empty store.

    One bucket with a prefix per test rather than a bucket per test: each SeaweedFS bucket is a collection
    with its own volumes, and with twenty of them `weed` takes over 10 s to stop instead of 2."""
    request.getfixturevalue("seaweed_server")
    return f"s3://sohoa-test/t{os.getpid()}-{next(_buckets)}"


@pytest.fixture
def s3_env(seaweed_server: SeaweedServer, s3_bucket_url: str) -> dict[str, str]:
    """``SOHOA_*`` variables that point a sohoa process at a new bucket of the test S3 server."""
    return {"SOHOA_STORAGE_URL": s3_bucket_url, **seaweed_server.env()}


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def object_store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """An empty object store: a local folder, then an S3 bucket (5 MiB parts, so big files go multipart)."""
    from sohoa.settings import load_settings
    from storage.objects import open_object_store

    if request.param == "local":
        return open_object_store((tmp_path / "objects").as_uri())
    env = request.getfixturevalue("s3_env")
    settings = load_settings(
        s3_endpoint=env["SOHOA_S3_ENDPOINT"],
        s3_access_key=env["SOHOA_S3_ACCESS_KEY"],
        s3_secret_key=env["SOHOA_S3_SECRET_KEY"],
        s3_secure=False,
        s3_part_size_mb=5,
        s3_retention_days=1,
    )
    return open_object_store(env["SOHOA_STORAGE_URL"], settings)


# --- The offline test PKI (certomancer) of the signing tests, served on loopback (tests/testpki.py). ---

import logging  # noqa: E402

from testpki import PkiServer, start_test_pki  # noqa: E402


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PkiServer]:
    """Root, issuing CA, good/revoked/expired signers, TSA, OCSP and CRLs on a free 127.0.0.1 port."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines in test output
    pki = start_test_pki(tmp_path_factory.mktemp("pki"))
    try:
        yield pki
    finally:
        pki.stop()


# --- A real redis-server for the queue tests (tests/redis_server.py). ---

from redis_server import RedisServer  # noqa: E402
from redis_server import why_not_available as redis_missing  # noqa: E402


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the session, on a free loopback port; tests that kill Redis start their own."""
    yield from serve_for_session(redis_missing, RedisServer)


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session server's URL, emptied for this test."""
    from redis import Redis

    Redis.from_url(redis_server.url).flushall()
    return redis_server.url
