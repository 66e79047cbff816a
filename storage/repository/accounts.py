"""Users, web sessions and API tokens: the SQL of the accounts (``workers.accounts`` holds the rules)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.tables import ApiTokenRow, SessionRow, UserRow, utcnow


def add_user(
    session: Session,
    *,
    username: str,
    agency: str,
    roles: list[str],
    password_hash: str,
    personal_id: str | None = None,
    totp_secret: str | None = None,
) -> UserRow:
    """A new user row (the caller checked the name is free)."""
    row = UserRow(
        username=username,
        agency=agency,
        roles=sorted(roles),
        password_hash=password_hash,
        personal_id=personal_id,
        totp_secret=totp_secret,
        disabled=False,
    )
    session.add(row)
    session.flush()
    return row


def user_by_name(session: Session, username: str) -> UserRow | None:
    """The user of that name, disabled or not."""
    return session.scalars(select(UserRow).where(UserRow.username == username)).first()


def user_by_id(session: Session, user_id: int) -> UserRow | None:
    """The user of that id."""
    return session.get(UserRow, user_id)


def list_users(session: Session) -> list[UserRow]:
    """Every user, by name."""
    return list(session.scalars(select(UserRow).order_by(UserRow.username)))


def count_users(session: Session) -> int:
    """How many users exist (none: the embedded mode makes the first admin)."""
    return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)


def set_password_hash(session: Session, user_id: int, password_hash: str) -> None:
    """Replace a user's password hash (a rehash with newer parameters, or a new password)."""
    session.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash))


def set_oversees(session: Session, user_id: int, agencies: list[str]) -> None:
    """Replace the agencies a user oversees."""
    session.execute(update(UserRow).where(UserRow.id == user_id).values(oversees=list(agencies)))


def disable_user(session: Session, user_id: int) -> None:
    """Disable a user and end every session and token of theirs."""
    session.execute(update(UserRow).where(UserRow.id == user_id).values(disabled=True))
    session.execute(delete(SessionRow).where(SessionRow.user_id == user_id))
    session.execute(update(ApiTokenRow).where(ApiTokenRow.user_id == user_id).values(revoked=True))


def add_session(session: Session, *, id_hash: str, user_id: int, csrf: str, expires_at: datetime) -> None:
    """Record a logged-in browser."""
    session.add(SessionRow(id_hash=id_hash, user_id=user_id, csrf=csrf, expires_at=expires_at))
    session.flush()


def live_session(session: Session, id_hash: str) -> tuple[SessionRow, UserRow] | None:
    """The unexpired session of that digest and its enabled user."""
    found = session.execute(
        select(SessionRow, UserRow)
        .join(UserRow, UserRow.id == SessionRow.user_id)
        .where(SessionRow.id_hash == id_hash, SessionRow.expires_at > utcnow(), UserRow.disabled.is_(False))
    ).first()
    return (found[0], found[1]) if found else None


def end_session(session: Session, id_hash: str) -> None:
    """Forget a session (logout)."""
    session.execute(delete(SessionRow).where(SessionRow.id_hash == id_hash))


def purge_expired_sessions(session: Session) -> int:
    """Delete sessions past their expiry; how many went."""
    return session.execute(delete(SessionRow).where(SessionRow.expires_at <= utcnow())).rowcount or 0


def add_token(
    session: Session, *, token_hash: str, user_id: int, name: str, scopes: list[str], expires_at: datetime
) -> ApiTokenRow:
    """Record a new API token (its digest only)."""
    row = ApiTokenRow(
        token_hash=token_hash, user_id=user_id, name=name, scopes=sorted(scopes), expires_at=expires_at, revoked=False
    )
    session.add(row)
    session.flush()
    return row


def live_token(session: Session, token_hash: str) -> tuple[ApiTokenRow, UserRow] | None:
    """The unexpired, unrevoked token of that digest and its enabled user."""
    found = session.execute(
        select(ApiTokenRow, UserRow)
        .join(UserRow, UserRow.id == ApiTokenRow.user_id)
        .where(
            ApiTokenRow.token_hash == token_hash,
            ApiTokenRow.revoked.is_(False),
            ApiTokenRow.expires_at > utcnow(),
            UserRow.disabled.is_(False),
        )
    ).first()
    return (found[0], found[1]) if found else None


def revoke_token(session: Session, token_id: int) -> bool:
    """Revoke a token by id; whether one was revoked now."""
    done = session.execute(
        update(ApiTokenRow).where(ApiTokenRow.id == token_id, ApiTokenRow.revoked.is_(False)).values(revoked=True)
    )
    return bool(done.rowcount)


def tokens_of(session: Session, user_id: int) -> list[ApiTokenRow]:
    """A user's tokens, newest first."""
    return list(
        session.scalars(select(ApiTokenRow).where(ApiTokenRow.user_id == user_id).order_by(ApiTokenRow.id.desc()))
    )
