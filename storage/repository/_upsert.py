"""One atomic ``INSERT ... ON CONFLICT DO UPDATE`` for SQLite and PostgreSQL alike.

Both backends speak the same upsert, so a re-run of a job overwrites its own row in one statement
instead of a racy "select, then insert or update".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sohoa.errors import StorageError


def upsert(
    session: Session,
    model: type[Any],
    values: Mapping[str, Any],
    *,
    conflict: list[str],
    take: tuple[str, ...] = (),
    keep_if_null: tuple[str, ...] = (),
    update: Mapping[str, Any] | None = None,
) -> Any:
    """The upsert statement for ``model`` on the session's backend (add ``.returning`` as needed).

    On conflict over the ``conflict`` columns, the columns named in ``take`` get the proposed
    values, those in ``keep_if_null`` the proposed value unless it is NULL, and ``update`` sets
    others to values or SQL expressions (``Row.attempt + 1``).
    """
    return upsert_for(
        session.get_bind().dialect.name,
        model,
        values,
        conflict=conflict,
        take=take,
        keep_if_null=keep_if_null,
        update=update,
    )


def upsert_for(
    dialect_name: str,
    model: type[Any],
    values: Mapping[str, Any],
    *,
    conflict: list[str],
    take: tuple[str, ...] = (),
    keep_if_null: tuple[str, ...] = (),
    update: Mapping[str, Any] | None = None,
) -> Any:
    """``upsert`` for a backend named explicitly (tests compile it for PostgreSQL)."""
    if dialect_name == "sqlite":
        stmt: Any = sqlite.insert(model).values(**values)
    elif dialect_name == "postgresql":
        stmt = postgresql.insert(model).values(**values)
    else:
        raise StorageError(f"database backend {dialect_name!r} is not supported (use SQLite or PostgreSQL)")
    set_ = {col: stmt.excluded[col] for col in take}
    table = model.__table__
    set_.update({col: func.coalesce(stmt.excluded[col], table.c[col]) for col in keep_if_null})
    set_.update(update or {})
    return stmt.on_conflict_do_update(index_elements=conflict, set_=set_)
