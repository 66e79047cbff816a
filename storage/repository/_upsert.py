"""One atomic ``INSERT ... ON CONFLICT DO UPDATE`` for SQLite and PostgreSQL alike.

Both backends speak the same upsert, so a re-run of a job overwrites its own row in one statement
instead of a racy "select, then insert or update".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sohoa.errors import StorageError


def upsert(
    session: Session,
    model: type[Any],
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    conflict: list[str],
    take: tuple[str, ...] = (),
    keep_if_null: tuple[str, ...] = (),
    update: Mapping[str, Any] | None = None,
    where: Any = None,
) -> Any:
    """The upsert statement for ``model`` on the session's backend (add ``.returning`` as needed).

    ``values`` is one row or a list of rows. On conflict over the ``conflict`` columns, the columns
    named in ``take`` get the proposed values, those in ``keep_if_null`` the proposed value unless it
    is NULL, and ``update`` sets others to values or SQL expressions (``Row.attempt + 1``). ``where``
    limits which existing rows the update may touch (the others stay as they are).
    """
    return upsert_for(
        session.get_bind().dialect.name,
        model,
        values,
        conflict=conflict,
        take=take,
        keep_if_null=keep_if_null,
        update=update,
        where=where,
    )


def upsert_for(
    dialect_name: str,
    model: type[Any],
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    conflict: list[str],
    take: tuple[str, ...] = (),
    keep_if_null: tuple[str, ...] = (),
    update: Mapping[str, Any] | None = None,
    where: Any = None,
) -> Any:
    """``upsert`` for a backend named explicitly (tests compile it for PostgreSQL)."""
    rows = dict(values) if isinstance(values, Mapping) else [dict(v) for v in values]
    if dialect_name == "sqlite":
        stmt: Any = sqlite.insert(model).values(rows)
    elif dialect_name == "postgresql":
        stmt = postgresql.insert(model).values(rows)
    else:
        raise StorageError(f"database backend {dialect_name!r} is not supported (use SQLite or PostgreSQL)")
    set_ = {col: stmt.excluded[col] for col in take}
    table = model.__table__
    set_.update({col: func.coalesce(stmt.excluded[col], table.c[col]) for col in keep_if_null})
    set_.update(update or {})
    return stmt.on_conflict_do_update(index_elements=conflict, set_=set_, where=where)
