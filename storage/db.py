"""The results database: engines, schema migrations, and the unit of work.

SQLite (embedded, the default) and PostgreSQL (distributed) run the same models and the same
Alembic migrations, shipped in ``storage/migrations`` and configured here in code: no
``alembic.ini`` in the working directory is needed.

SQLite settings and why:

- WAL journal: readers do not block the writer, and page workers in other processes can write.
- ``foreign_keys=ON``: SQLite ignores foreign keys unless told per connection.
- a 30 s busy timeout: a writer waits for another's commit instead of failing at once.
- the driver's default transaction mode is kept on purpose: it opens a transaction at the first
  write, so a session that reads and then writes never holds a stale read snapshot it cannot
  upgrade (SQLITE_BUSY_SNAPSHOT), and every write waits politely on the busy timeout.
- the file is created 0600 in a 0700 folder before SQLite opens it (SQLite gives its ``-wal`` and
  ``-shm`` files the database file's mode): it holds personal data.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from sohoa.errors import SohoaError, StorageError
from storage.private_files import FILE_MODE, private_dir

if TYPE_CHECKING:
    from alembic.config import Config

    from sohoa.settings import Settings

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration's revision. Every start checks the database against it with one plain query,
# so Alembic (~0.1 s of imports, and its scripts read) loads only when there is something to migrate.
# tests/test_storage_migrations.py checks it against the migration files.
SCHEMA_HEAD = "0008_procedure_due_oversight"
SQLITE_BUSY_TIMEOUT_S = 30.0
_PG_MIGRATION_LOCK = 0x50_48_4F_41  # pg_advisory_xact_lock id for migrations ("SOHOA"-ish)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url`` (``Settings.effective_database_url``), set up for concurrent use.

    Create one engine per process (never share one across ``fork``); it pools connections.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, echo=echo, pool_pre_ping=True)
    database = parsed.database or ""
    if database and database != ":memory:" and not parsed.query.get("uri"):
        path = Path(database).expanduser()
        private_dir(path.parent)
        with contextlib.suppress(FileExistsError):  # an empty file is an empty database to SQLite
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    engine = create_engine(parsed, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] not in ("wal", "memory"):
            _switch_to_wal(cursor)
    finally:
        cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Turn on WAL (persistent in the file), retrying: SQLite answers "database is locked" at once,
    without waiting for busy_timeout, when another process holds a lock during the switch (two workers
    starting together on a new database)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error, always close.

    Rows stay readable after the block (``expire_on_commit=False``), as a snapshot: change them
    only through the repository functions inside another ``session_scope``. Database errors come
    out as ``StorageError`` so the CLI/job boundary can map them; sohoa's own errors pass as they are.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except SohoaError:
        session.rollback()
        raise
    except SQLAlchemyError as exc:
        session.rollback()
        # The driver's own message only: SQLAlchemy's text carries the statement's parameters,
        # which may hold personal data, and error messages end up in logs.
        orig = getattr(exc, "orig", None)
        detail = f"{type(orig).__name__}: {orig}" if orig is not None else type(exc).__name__
        raise StorageError(f"database error: {detail}") from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration built in code, pointing at the migrations inside this package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(target: str | Engine, *, runtime_role: str | None = None) -> None:
    """Upgrade the database to the newest schema; cheap and safe to call on every start.

    Concurrent callers (several workers starting at once) are serialized: on SQLite by a write
    lock (``BEGIN IMMEDIATE``) held for the whole upgrade, on PostgreSQL by an advisory lock; the
    whole upgrade is one transaction, so a crash leaves the old schema, never half of the new one.

    ``runtime_role`` (PostgreSQL, ``target`` connecting as the owner role): after upgrading, that role
    gets exactly the privileges of ``storage.grants``; they are checked on every start with one query
    and set again when they differ.
    """
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        if _stamped_at(engine) != {SCHEMA_HEAD} or not _grants_ok(engine, runtime_role):
            _migrate_with_alembic(engine, runtime_role)
    finally:
        if isinstance(target, str):
            engine.dispose()


def migrate_for(settings: Settings, engine: Engine | None = None) -> None:
    """Migrate the database of ``settings``: as the owner role of ``SOHOA_DATABASE_OWNER_URL`` when it is
    set (the runtime role then gets only what ``storage.grants`` gives it), else over ``engine`` (or the
    runtime URL), as the runtime role itself."""
    owner = settings.database_owner_url
    if owner is None:
        migrate(engine if engine is not None else settings.effective_database_url)
        return
    runtime = make_url(settings.effective_database_url)
    if runtime.get_backend_name() != "postgresql":
        raise StorageError(
            "SOHOA_DATABASE_OWNER_URL is for PostgreSQL: SQLite has no roles",
            hint="unset it, or point SOHOA_DATABASE_URL at PostgreSQL",
        )
    role = settings.database_runtime_role or runtime.username
    if not role:
        raise StorageError("cannot tell the runtime database role", hint="set SOHOA_DATABASE_RUNTIME_ROLE")
    migrate(owner.get_secret_value(), runtime_role=role)


def _grants_ok(engine: Engine, runtime_role: str | None) -> bool:
    if runtime_role is None or engine.dialect.name != "postgresql":
        return True
    from storage.grants import expected_privileges, grants_in_place
    from storage.tables import metadata

    try:
        with engine.connect() as conn:
            return grants_in_place(conn, runtime_role, expected_privileges(metadata))
    except SQLAlchemyError:
        return False


def _migrate_with_alembic(engine: Engine, runtime_role: str | None = None) -> None:
    from alembic.util.exc import CommandError

    try:
        with engine.connect() as conn:
            if _at_head(conn) and _grants_ok(engine, runtime_role):
                return
            _upgrade_locked(conn, runtime_role)
    except SohoaError:
        raise
    except CommandError as exc:
        raise StorageError(
            f"cannot migrate the database: {exc}",
            hint="is the database newer than this version of sohoa?",
        ) from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot migrate the database: {exc}") from exc


def schema_heads() -> set[str]:
    """The newest migration revision(s) this code ships."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(conn: Connection) -> set[str]:
    """The revision(s) the database is at (empty for a new database)."""
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(conn).get_current_heads())


def _stamped_at(engine: Engine) -> set[str]:
    """The revisions in Alembic's version table, read with plain SQL; empty when there is none yet."""
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    except SQLAlchemyError:
        return set()  # no table yet (a new database), or unreadable: the full check below decides


def _at_head(conn: Connection) -> bool:
    try:
        return current_revisions(conn) == schema_heads()
    finally:
        conn.rollback()


def _upgrade_locked(conn: Connection, runtime_role: str | None = None) -> None:
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # Batch migrations copy and drop tables; foreign keys must be off for that, and the pragma
        # only takes effect outside a transaction.
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
    from alembic import command

    try:
        config = alembic_config()
        config.attributes["connection"] = conn  # env.py runs inside this transaction
        command.upgrade(config, "head")
        if runtime_role is not None and conn.dialect.name == "postgresql":
            from storage.grants import expected_privileges, grant_runtime_role
            from storage.tables import metadata

            grant_runtime_role(conn, runtime_role, expected_privileges(metadata))
        if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
            raise StorageError("migration left rows that break foreign keys; rolled back")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
            conn.commit()
