"""The results database on a real PostgreSQL server, and the migrations on both backends.

Migrations go up from empty, down to nothing and up again, keep rows across 0002 down and up, match the
models (autogenerate finds no drift) and run once when several processes start together: on SQLite
and on PostgreSQL (``db_url`` in conftest.py). Searches use their indexes, and long field values fit
(PostgreSQL's B-tree would refuse them, hence the hash index).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from multiprocessing.context import BaseContext

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from seed_results import decision_fields, seed_dossier
from sqlalchemy import Engine

from pipeline.models import FieldValue
from sohoa.errors import StorageError
from storage.db import SCHEMA_HEAD, alembic_config, current_revisions, make_engine, migrate, schema_heads, session_scope
from storage.repository import documents_by_field, get_document, load_dossier_result
from storage.tables import AuditRow, metadata

HEAD = SCHEMA_HEAD
TABLES = {"daily_sequences", "dossiers", "dossier_sources", "pages", "stage_runs", "documents", "fields"}
TABLES |= {"field_revisions", "audit_log", "audit_head", "audit_seals"}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def move(engine: Engine, target: str) -> None:
    """Alembic upgrade/downgrade to ``target`` over one connection, as ``migrate`` does."""
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        if target == "base" or target < HEAD:
            command.downgrade(config, target)
        else:
            command.upgrade(config, target)


def tables(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def test_migrations_go_up_from_empty_and_match_the_models(engine: Engine) -> None:
    migrate(engine)
    migrate(engine)  # a no-op at head
    with engine.connect() as conn:
        assert current_revisions(conn) == schema_heads() == {HEAD}
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata) == []
    assert tables(engine) >= TABLES


def test_migrations_go_down_to_nothing_and_up_again(engine: Engine) -> None:
    migrate(engine)
    move(engine, "base")
    assert tables(engine) == {"alembic_version"}
    migrate(engine)
    assert tables(engine) >= TABLES


def test_rows_survive_0002_going_down_and_up(engine: Engine) -> None:
    migrate(engine)
    _, (code,) = seed_dossier(engine, "kept", [decision_fields()])
    move(engine, "0001")
    assert "audit_log" not in tables(engine)
    migrate(engine)
    with session_scope(engine) as session:
        doc = get_document(session, code)
        assert doc.approved_at is None
        result = load_dossier_result(session, doc.dossier_id)
    assert result.documents[0].fields == decision_fields()


def _migrate(url: str) -> str:
    migrate(url)
    with make_engine(url).connect() as conn:
        return ",".join(sorted(current_revisions(conn)))


def test_several_processes_starting_together_migrate_once(db_url: str, worker_processes: BaseContext) -> None:
    with worker_processes.Pool(3) as pool:
        assert pool.map(_migrate, [db_url] * 3) == [HEAD] * 3


def test_a_database_newer_than_the_code_is_refused(engine: Engine) -> None:
    migrate(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StorageError, match="migrate"):
        migrate(engine)


def test_value_lookups_and_pdf_hash_lookups_use_their_indexes(engine: Engine) -> None:
    migrate(engine)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # tiny tables: ask whether the index *can* serve
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        plans = [
            conn.exec_driver_sql(explain + sql).all()
            for sql in (
                "SELECT document_id FROM fields WHERE key = 'personal_id' AND value = '001203004567'",
                "SELECT id FROM documents WHERE pdf_sha256 = 'ab'",
            )
        ]
    text = [" ".join(str(part) for row in plan for part in row) for plan in plans]
    assert "ix_fields_value" in text[0]
    assert "ix_documents_pdf_sha256" in text[1]


@pytest.mark.postgres
def test_a_long_field_value_fits_and_is_found_on_postgresql(postgres_server) -> None:
    url = postgres_server.create_database()
    engine = make_engine(url)
    try:
        migrate(engine)
        fields = decision_fields()
        long = "Về việc " + " ".join(f"điều chỉnh quy hoạch khu {i}" for i in range(800))  # ~24 kB, no repeats
        fields["subject"] = FieldValue(long, long, 0.9, 1, None)
        _, (code,) = seed_dossier(engine, "long", [fields])
        with session_scope(engine) as session:
            assert [d.code for d in documents_by_field(session, ["subject"], [long])] == [code]
    finally:
        engine.dispose()
        postgres_server.drop_database(url)


@pytest.mark.postgres
def test_postgresql_keeps_utc_times_to_the_microsecond_and_refuses_to_truncate_the_log(postgres_server) -> None:
    url = postgres_server.create_database()
    engine = make_engine(url)
    try:
        migrate(engine)
        at = datetime(2026, 11, 28, 16, 45, 0, 654321, tzinfo=timezone(timedelta(hours=7)))
        with session_scope(engine) as session:
            session.add(AuditRow(seq=1, at=at, actor="a", action="x.y", subject="s", payload={}, prev_hash="", hash=""))
        with session_scope(engine) as session:
            stored = session.get(AuditRow, 1).at
        assert stored == at and stored.tzinfo == UTC and stored.hour == 9
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW server_version_num").scalar() is not None
        with pytest.raises(StorageError, match="append-only"), session_scope(engine) as session:
            session.execute(sa.text("TRUNCATE audit_log"))
    finally:
        engine.dispose()
        postgres_server.drop_database(url)
