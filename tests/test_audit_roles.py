"""PostgreSQL roles: migrations run as an owner role, sohoa runs as a role that may only read and append the
audit records, so it can neither change them nor drop the triggers that guard them.

Each test gets its own owner and runtime roles (cluster-wide, hence unique names) and a schema owned by the
owner, on the session's PostgreSQL server (tests/pg.py).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from pg import PostgresServer
from seed_results import AUDIT_KEY, decision_fields, seed_dossier, sure_fields
from sqlalchemy import Engine, func, select, text

from sohoa.errors import StorageError
from sohoa.settings import Settings, load_settings
from storage.db import make_engine, migrate, migrate_for, session_scope
from storage.repository import append_audit, get_dossier, prune_documents
from storage.tables import FieldRevisionRow
from workers.audit import verify_log
from workers.context import Context, open_context
from workers.review import approve, set_field
from workers.seals import seal_now

pytestmark = pytest.mark.postgres
APPEND_ONLY = ("audit_log", "field_revisions", "audit_seals")
_names = itertools.count(1)


@dataclass
class Roles:
    server: PostgresServer
    schema: str
    owner: str
    runtime: str

    def url(self, user: str) -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.server.port}/sohoa?options=-csearch_path%3D{self.schema}"

    def admin(self, *statements: str) -> None:
        """Run statements as the server's superuser (the DBA)."""
        with psycopg.connect(f"host=127.0.0.1 port={self.server.port} user=postgres dbname=sohoa") as conn:
            conn.autocommit = True
            for sql in statements:
                conn.execute(sql)  # type: ignore[arg-type]

    def settings(self, tmp_path: Path, **overrides: object) -> Settings:
        values = {
            "data_dir": tmp_path / "data",
            "database_url": self.url(self.runtime),
            "database_owner_url": self.url(self.owner),
            "signer": "dev",  # not the embedded mode: the development key is asked for
        }
        return load_settings(**(values | overrides))


@pytest.fixture
def roles(postgres_server: PostgresServer) -> Iterator[Roles]:
    """An owner role owning an empty schema, and a runtime role with nothing granted yet."""
    url = postgres_server.create_database()
    n = f"{os.getpid()}_{next(_names)}"
    found = Roles(postgres_server, url.rsplit("%3D", 1)[1], f"sohoa_owner_{n}", f"sohoa_app_{n}")
    found.admin(
        f"CREATE ROLE {found.owner} LOGIN",
        f"CREATE ROLE {found.runtime} LOGIN",
        f"ALTER SCHEMA {found.schema} OWNER TO {found.owner}",
    )
    try:
        yield found
    finally:
        postgres_server.drop_database(url)
        found.admin(f"DROP OWNED BY {found.runtime}", f"DROP ROLE {found.runtime}", f"DROP ROLE {found.owner}")


@pytest.fixture
def runtime(roles: Roles, tmp_path: Path) -> Iterator[Context]:
    """sohoa opened as it runs: migrated by the owner role, connected as the runtime role."""
    ctx = open_context(roles.settings(tmp_path))
    yield ctx
    ctx.engine.dispose()


def refused(engine: Engine, sql: str) -> str:
    """The database's refusal of ``sql``, run as the engine's role."""
    with pytest.raises(StorageError) as caught, session_scope(engine) as session:
        session.connection().exec_driver_sql(sql)
    return caught.value.message


def test_the_runtime_role_cannot_update_delete_or_truncate_the_audit_log_revisions_or_seals(
    runtime: Context,
) -> None:
    seed_dossier(runtime.engine, "a", [decision_fields()])
    with session_scope(runtime.engine) as session:  # appending and reading work
        append_audit(session, actor="lan", action="result.read", subject="000.00.20.H40-261128-0001-01")
    for table in APPEND_ONLY:
        for sql in (f"UPDATE {table} SET id = id" if table != "audit_log" else "UPDATE audit_log SET seq = seq",
                    f"DELETE FROM {table}", f"TRUNCATE {table}"):  # fmt: skip
            assert f"permission denied for table {table}" in refused(runtime.engine, sql)


def test_the_runtime_role_cannot_drop_or_disable_the_triggers(runtime: Context) -> None:
    for table, trigger in (("audit_log", "audit_log_no_change"), ("field_revisions", "field_revisions_no_change"),
                           ("audit_seals", "audit_seals_no_change")):  # fmt: skip
        assert f"must be owner of relation {table}" in refused(runtime.engine, f"DROP TRIGGER {trigger} ON {table}")
        assert "must be owner of table" in refused(runtime.engine, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
    assert "permission denied" in refused(runtime.engine, "CREATE TABLE audit_log_copy (seq integer)")


def test_sohoa_reviews_prunes_seals_and_verifies_as_the_runtime_role(runtime: Context) -> None:
    dossier, (_, second) = seed_dossier(runtime.engine, "a", [decision_fields(), sure_fields()])
    set_field(runtime.engine, second, "number_symbol", "46/TB-UBND", by="lan", audit_key=AUDIT_KEY)
    approve(runtime.engine, second, by="lan", audit_key=AUDIT_KEY)
    with session_scope(runtime.engine) as session:  # a re-split drops result 02: its revision is unlinked, kept
        prune_documents(session, get_dossier(session, dossier).id, keep=[1])
    with session_scope(runtime.engine) as session:
        rev = session.scalars(select(FieldRevisionRow)).one()
        assert (rev.field_id, rev.document_id, rev.new_value) == (None, None, "46/TB-UBND")
    assert seal_now(runtime).created
    assert verify_log(runtime).ok


def test_a_runtime_role_that_owns_the_tables_or_is_a_superuser_is_refused(roles: Roles, tmp_path: Path) -> None:
    as_owner = roles.settings(tmp_path, database_url=roles.url(roles.owner))
    with pytest.raises(StorageError, match=r"owns .*audit_log.*could drop the audit log's triggers"):
        migrate_for(as_owner)
    with pytest.raises(StorageError, match="is a superuser"):
        migrate(roles.url(roles.owner), runtime_role="postgres")
    with pytest.raises(StorageError, match="does not exist"):
        migrate(roles.url(roles.owner), runtime_role="nobody_here")


def test_privileges_granted_behind_sohoas_back_are_revoked_at_the_next_start(roles: Roles, tmp_path: Path) -> None:
    settings = roles.settings(tmp_path)
    migrate_for(settings)
    roles.admin(f"GRANT UPDATE, DELETE, TRIGGER ON {roles.schema}.audit_log TO {roles.runtime}")
    engine = make_engine(settings.effective_database_url)
    try:
        assert _may(engine, roles.runtime, "audit_log", "UPDATE")
        migrate_for(settings)
        assert not any(_may(engine, roles.runtime, "audit_log", p) for p in ("UPDATE", "DELETE", "TRIGGER"))
        assert _may(engine, roles.runtime, "audit_log", "INSERT")
        with session_scope(engine) as session:
            assert session.scalar(select(func.count()).select_from(FieldRevisionRow)) == 0
    finally:
        engine.dispose()


def _may(engine: Engine, role: str, table: str, privilege: str) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text("SELECT has_table_privilege(:r, :t, :p)"), {"r": role, "t": table, "p": privilege}
            ).scalar()
        )


def test_a_runtime_role_that_could_still_update_the_log_through_public_is_refused(roles: Roles, tmp_path: Path) -> None:
    settings = roles.settings(tmp_path)
    migrate_for(settings)
    roles.admin(f"GRANT UPDATE ON {roles.schema}.audit_log TO PUBLIC")
    with pytest.raises(StorageError, match="may still UPDATE audit_log through another role or PUBLIC"):
        migrate_for(settings)
