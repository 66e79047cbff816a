"""The audit log: append-only, each entry chained to the one before by a sha256, its head sealed.

``audit_log`` rows are never updated or deleted (database triggers refuse it, see migration 0002);
``audit_head`` is one row holding the last ``seq`` and ``hash``. Appenders lock that row, which
serializes them across processes on SQLite and PostgreSQL alike, and it lets ``verify_audit`` notice
entries cut from the end of the log, which a hash chain alone cannot.

``audit_seals`` holds the head signed now and then with the agency key (migration 0004): someone who
rewrites entries and recomputes every hash after them cannot sign the new head, so the old seals no
longer match. Tables marked ``info={"append_only": True}`` get triggers refusing UPDATE and DELETE and,
on PostgreSQL, only SELECT and INSERT for the runtime role (``storage.grants``).
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
    __table_args__ = {"info": {"append_only": True}}  # noqa: RUF012 - SQLAlchemy reads this class attribute

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


class AuditSealRow(Base):
    """The head ``(seq, hash)`` signed by the agency: a detached CMS signature over ``seal_content``.

    ``signer``, ``cert_sha256``, ``development`` and ``timestamped`` describe the CMS for listings;
    verification reads the CMS itself, never these columns. One seal per ``seq``.
    """

    __tablename__ = "audit_seals"
    __table_args__ = {"info": {"append_only": True}}  # noqa: RUF012 - SQLAlchemy reads this class attribute

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer, unique=True)
    hash: Mapped[str] = mapped_column(sa.String(64))
    sealed_at: Mapped[datetime]
    agency: Mapped[str] = mapped_column(sa.String(64))
    signer: Mapped[str] = mapped_column(sa.String(256))
    cert_sha256: Mapped[str] = mapped_column(sa.String(64))
    development: Mapped[bool] = mapped_column(sa.Boolean)
    timestamped: Mapped[bool] = mapped_column(sa.Boolean)
    cms: Mapped[bytes] = mapped_column(sa.LargeBinary)
