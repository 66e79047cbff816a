"""The audit log: append-only, each entry chained to the one before by a sha256.

``audit_log`` rows are never updated or deleted (database triggers refuse it, see migration 0002);
``audit_head`` is one row holding the last ``seq`` and ``hash``. Appenders lock that row, which
serializes them across processes on SQLite and PostgreSQL alike, and it lets ``verify_audit`` notice
entries cut from the end of the log, which a hash chain alone cannot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base

GENESIS_HASH = "0" * 64  # prev_hash of entry 1


class AuditRow(Base):
    """One entry: ``hash = sha256(prev_hash + canonical JSON of seq, at, actor, action, subject, payload)``.

    ``payload`` holds codes, field keys, counts and hashes only, never field values or names.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(sa.String(128))
    action: Mapped[str] = mapped_column(sa.String(64))
    subject: Mapped[str] = mapped_column(sa.String(128), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AuditHeadRow(Base):
    """The end of the chain (a single row, ``id`` 1): the lock appenders take, and the tail check."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(sa.Integer)
    hash: Mapped[str] = mapped_column(sa.String(64))
