"""Migrations: run from empty, idempotent, concurrent-safe, and identical to the models."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

from sohoa.errors import StorageError
from storage.db import SCHEMA_HEAD, alembic_config, current_revisions, make_engine, migrate, schema_heads, session_scope
from storage.repository._upsert import upsert_for
from storage.tables import DailySequenceRow, PageRow, metadata

TABLES = {"daily_sequences", "dossiers", "dossier_sources", "pages", "stage_runs", "documents", "fields"}
TABLES |= {"field_revisions", "audit_log", "audit_head", "dossier_attachments", "audit_seals", "refused_inputs"}
HEAD = SCHEMA_HEAD


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'sohoa.db'}"


def test_migrate_creates_every_table_from_an_empty_database(url: str) -> None:
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) >= TABLES
        assert current_revisions(conn) == schema_heads() == {HEAD}


def test_migrate_twice_is_a_no_op(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    migrate(engine)
    migrate(url)
    with engine.connect() as conn:
        assert current_revisions(conn) == {HEAD}


def test_models_and_migrations_do_not_drift(url: str) -> None:
    migrate(url)
    with make_engine(url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_drift_check_would_see_a_column_missing_from_the_migrations(url: str) -> None:
    migrate(url)
    drifted = sa.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["pages"].append_column(sa.Column("extra", sa.Integer))
    with make_engine(url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), drifted)
    assert [d[0] for d in diff] == ["add_column"]


def test_concurrent_first_starts_migrate_once_without_errors(url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        try:
            migrate(url)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with make_engine(url).connect() as conn:
        assert current_revisions(conn) == {HEAD}


def test_sqlite_connections_use_wal_and_enforce_foreign_keys_even_after_migrating(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)  # turns foreign keys off on its connection while it works
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(StorageError), session_scope(engine) as session:
        session.add(PageRow(dossier_id=12345, number=1, result={}))


def _downgrade(url: str, revision: str) -> sa.Engine:
    """Migrate ``url`` to the newest schema, then down to ``revision``; the engine, for more."""
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
    return engine


def test_downgrade_to_base_removes_everything(url: str) -> None:
    engine = _downgrade(url, "base")
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) == {"alembic_version"}
    migrate(engine)  # and back up again
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) >= TABLES


def test_the_quick_start_check_knows_the_newest_migration(url: str) -> None:
    """``migrate`` skips Alembic when the version table holds ``SCHEMA_HEAD``: it must be the real head,
    and an older database must still be upgraded."""
    assert schema_heads() == {SCHEMA_HEAD}
    engine = _downgrade(url, "0002")
    with engine.connect() as conn:
        assert "dossier_attachments" not in sa.inspect(conn).get_table_names()
    migrate(engine)
    with engine.connect() as conn:
        assert current_revisions(conn) == {SCHEMA_HEAD}
        assert "dossier_attachments" in sa.inspect(conn).get_table_names()


def test_a_database_newer_than_the_code_is_refused_clearly(url: str) -> None:
    migrate(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StorageError, match="migrate"):
        migrate(engine)


def test_migrations_render_for_postgresql_without_a_server() -> None:
    out = io.StringIO()
    config = alembic_config("postgresql://sohoa@localhost/sohoa")
    config.output_buffer = out
    command.upgrade(config, "head", sql=True)
    sql = out.getvalue()
    for table in TABLES:
        assert f"CREATE TABLE {table} (" in sql
    assert "TIMESTAMP WITH TIME ZONE" in sql
    assert "needs_ltv BOOLEAN DEFAULT false NOT NULL" in sql


def test_models_and_upserts_compile_for_postgresql() -> None:
    dialect = postgresql.dialect()
    for table in metadata.sorted_tables:
        str(CreateTable(table).compile(dialect=dialect))
        for index in table.indexes:
            str(CreateIndex(index).compile(dialect=dialect))
    stmt = upsert_for(
        "postgresql",
        DailySequenceRow,
        {"agency": "A", "day": sa.func.current_date(), "last": 1},
        conflict=["agency", "day"],
        update={"last": DailySequenceRow.last + 1},
    ).returning(DailySequenceRow.last)
    sql = str(stmt.compile(dialect=dialect))
    assert "ON CONFLICT (agency, day) DO UPDATE SET last = (daily_sequences.last + " in sql
    assert "RETURNING daily_sequences.last" in sql
