"""deploy/postgres-init makes the runtime role compose's web and workers connect as: after the migrate
service (the owner role) has run, that role may add to the audit log but not change or empty it.

The script runs as the postgres image runs it (psql, POSTGRES_USER a superuser, POSTGRES_DB) against the
session's real PostgreSQL server, in a database of its own.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg import PostgresServer
from sqlalchemy import text

from sohoa.errors import StorageError
from storage.db import make_engine, migrate, session_scope

SCRIPT = Path(__file__).resolve().parents[1] / "deploy" / "postgres-init" / "10-runtime-role.sh"
DATABASE = "sohoa_deploy"


@pytest.fixture
def deploy_db(postgres_server: PostgresServer) -> Iterator[str]:
    postgres_server._admin(f"CREATE DATABASE {DATABASE}", database="postgres")
    yield f"postgresql+psycopg://postgres@127.0.0.1:{postgres_server.port}/{DATABASE}"
    postgres_server._admin(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{DATABASE}'",
        f"DROP DATABASE {DATABASE}",
        "DROP ROLE IF EXISTS sohoa",
        database="postgres",
    )


def test_the_runtime_role_of_compose_may_append_to_the_audit_log_but_not_rewrite_it(
    deploy_db: str, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    secret = tmp_path / "db_runtime_password"
    secret.write_text("runtime-pw")
    env = os.environ | {
        "POSTGRES_USER": "postgres",
        "POSTGRES_DB": DATABASE,
        "PGHOST": "127.0.0.1",
        "PGPORT": str(postgres_server.port),
        "DB_RUNTIME_PASSWORD_FILE": str(secret),
    }
    done = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    migrate(deploy_db, runtime_role="sohoa")  # what the migrate service does with the owner's URL
    runtime = make_engine(deploy_db.replace("postgres@", "sohoa:runtime-pw@"))
    try:
        with session_scope(runtime) as session:
            assert session.execute(text("SELECT count(*) FROM audit_log")).scalar() == 0
        for sql in ("DELETE FROM audit_log", "TRUNCATE audit_log", "DROP TABLE audit_log"):
            with pytest.raises(StorageError), session_scope(runtime) as session:
                session.execute(text(sql))
    finally:
        runtime.dispose()
