"""Accounts of the web front end: users, their server-side sessions and the API tokens of machine clients.

Secrets are never stored as given: passwords as argon2id hashes, session ids and tokens as sha256 digests
(they are long random strings, so a plain digest suffices), so a copy of the database opens no account.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base, utcnow


class UserRow(Base):
    """A person who logs in: staff of one agency (roles) or a citizen (their personal ID)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    agency: Mapped[str] = mapped_column(sa.String(32))
    roles: Mapped[list[str]] = mapped_column()
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    personal_id: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    disabled: Mapped[bool] = mapped_column(default=False)
    # Agencies beyond ``agency`` whose queues this supervisor may see, granted explicitly (codes are opaque).
    oversees: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionRow(Base):
    """A logged-in browser: the sha256 of its cookie's id, its CSRF token and when it ends."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class ApiTokenRow(Base):
    """A machine client's bearer token: the sha256 of it, its scopes, expiry and whether it was revoked."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[list[str]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked: Mapped[bool] = mapped_column(default=False)
