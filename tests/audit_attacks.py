"""Going around sohoa to change its audit records, as someone with the database's owner rights would: for the tests.

Each helper first takes the append-only guard off (SQLite: drops the triggers; PostgreSQL: disables the
table's user triggers, which only its owner or a superuser may do), changes rows with plain SQL, and puts
the guard back, so afterwards the database looks untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, select, text, update

from storage.repository.audit import entry_hash
from storage.tables import AuditHeadRow, AuditRow


@contextmanager
def unguarded(engine: Engine, table: str) -> Iterator[Connection]:
    """A transaction in which ``table``'s triggers are off; they are back (exactly as they were) at its end."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            triggers = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
            ).all()
            for name, _ in triggers:
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
            yield conn
            for _, sql in triggers:
                conn.exec_driver_sql(sql)
        else:
            conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            yield conn
            conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def rewrite_entry(engine: Engine, seq: int, **changes: Any) -> None:
    """Change entry ``seq`` (e.g. ``actor="mallory"``), then recompute its hash, every hash after it and the
    head's, so that the chain alone verifies again."""
    table = AuditRow.__table__
    with unguarded(engine, "audit_log") as conn:
        conn.execute(update(table).where(table.c.seq == seq).values(**changes))
        prev = conn.scalar(select(table.c.hash).where(table.c.seq == seq - 1)) or "0" * 64
        for row in conn.execute(select(table).where(table.c.seq >= seq).order_by(table.c.seq)).all():
            fields = {k: getattr(row, k) for k in ("seq", "at", "actor", "action", "subject", "payload")}
            digest = entry_hash(prev, **fields)
            conn.execute(update(table).where(table.c.seq == row.seq).values(prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(update(AuditHeadRow.__table__).values(hash=prev))


def change_rows(engine: Engine, table: str, sql: str, params: dict[str, Any] | None = None) -> None:
    """Run ``sql`` on ``table`` with its triggers off."""
    with unguarded(engine, table) as conn:
        conn.execute(text(sql), params or {})
