"""Accounts: users, logins, server-side sessions, API tokens, and who may touch which dossier or result.

Why here and not in the web: the CLI manages the same users (``sohoa users``), and the access rules must
hold whichever front end asks. Passwords are argon2id hashes; session ids and tokens are 32 random bytes
of which only the sha256 is stored. Staff see only their agency's dossiers; a citizen only results whose
owner personal ID is theirs (``storage.repository.PERSONAL_ID_KEYS``). A supervisor may also review the
results of the agencies granted to them (``users.oversees``, ``sohoa users oversee``), and nothing more.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from sohoa.errors import BadInput, Conflict, Forbidden, NotAuthenticated
from storage import repository
from storage.db import session_scope
from storage.repository import accounts as rows
from storage.tables import UserRow, utcnow
from workers.context import Context

STAFF_ROLES = frozenset({"reception", "reviewer", "approver", "admin"})
ROLES = STAFF_ROLES | {"citizen"}
SCOPES = frozenset({"submit", "read", "review"})
# What each role may do through a token scope: a token never does more than its user's roles allow.
SCOPE_ROLES = {"submit": {"reception", "admin"}, "read": ROLES, "review": {"reviewer", "approver", "admin"}}
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
_PERSONAL_ID = re.compile(r"\d{12}")
_AGENCY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HASHER = PasswordHasher()  # argon2id with the library's current (RFC 9106 low-memory) parameters
_DUMMY_HASH = _HASHER.hash("sohoa-timing-equalizer")
MIN_PASSWORD = 10


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user, through a session (every right of their roles) or a token (only its scopes)."""

    user_id: int
    username: str
    agency: str
    roles: frozenset[str]
    personal_id: str | None = None
    scopes: frozenset[str] | None = None  # None: a browser session
    oversees: frozenset[str] = frozenset()  # agencies beyond their own whose review queue they may work

    @property
    def review_agencies(self) -> frozenset[str]:
        """The agencies whose results this principal may review: their own and those they oversee."""
        return self.oversees | {self.agency}

    @property
    def actor(self) -> str:
        """The name written in the audit log."""
        return f"user:{self.username}"

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


@dataclass(frozen=True)
class UserInfo:
    """A user as listed: never the hash or the TOTP secret."""

    username: str
    agency: str
    roles: list[str]
    disabled: bool
    citizen_id_set: bool
    totp: bool
    oversees: list[str]

    def to_dict(self) -> dict[str, object]:
        return {
            "username": self.username,
            "agency": self.agency,
            "roles": self.roles,
            "disabled": self.disabled,
            "personal_id_set": self.citizen_id_set,
            "totp": self.totp,
            "oversees": self.oversees,
        }


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _principal(user: UserRow, scopes: list[str] | None = None) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        agency=user.agency,
        roles=frozenset(user.roles),
        personal_id=user.personal_id,
        scopes=frozenset(scopes) if scopes is not None else None,
        oversees=frozenset(user.oversees or ()),
    )


def check_password_strength(password: str) -> None:
    """``BadInput`` for a password too short to resist guessing."""
    if len(password) < MIN_PASSWORD:
        raise BadInput(f"mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự")


def add_user(
    ctx: Context,
    username: str,
    password: str,
    *,
    roles: list[str],
    agency: str | None = None,
    personal_id: str | None = None,
    totp: bool = False,
    by: str,
) -> tuple[UserInfo, str | None]:
    """Create a user; with ``totp`` also their TOTP secret, returned once (for the authenticator app)."""
    if not _NAME.fullmatch(username):
        raise BadInput("tên đăng nhập: 2-64 ký tự a-z, 0-9, '.', '_', '-'")
    unknown = set(roles) - ROLES
    if not roles or unknown:
        raise BadInput(f"vai trò không hợp lệ: {sorted(unknown) or 'trống'} (chọn trong {sorted(ROLES)})")
    if "citizen" in roles and (len(roles) > 1 or not personal_id or not _PERSONAL_ID.fullmatch(personal_id)):
        raise BadInput("tài khoản công dân chỉ có vai trò citizen và cần số định danh cá nhân 12 chữ số")
    check_password_strength(password)
    secret = pyotp.random_base32() if totp else None
    with session_scope(ctx.engine) as s:
        if rows.user_by_name(s, username) is not None:
            raise Conflict(f"tên đăng nhập {username} đã có")
        user = rows.add_user(
            s,
            username=username,
            agency=agency or ctx.settings.agency_code,
            roles=roles,
            password_hash=_HASHER.hash(password),
            personal_id=personal_id,
            totp_secret=secret,
        )
        repository.append_audit(s, actor=by, action="user.added", subject=f"user:{username}",
                                 payload={"roles": sorted(roles), "agency": user.agency})  # fmt: skip
        return _info(user), secret


def _info(user: UserRow) -> UserInfo:
    return UserInfo(user.username, user.agency, list(user.roles), user.disabled, bool(user.personal_id),
                    bool(user.totp_secret), sorted(user.oversees or ()))  # fmt: skip


def list_users(ctx: Context) -> list[UserInfo]:
    """Every user, by name."""
    with session_scope(ctx.engine) as s:
        return [_info(u) for u in rows.list_users(s)]


def disable_user(ctx: Context, username: str, *, by: str) -> None:
    """Disable a user: their sessions end and their tokens are revoked at once."""
    with session_scope(ctx.engine) as s:
        user = rows.user_by_name(s, username)
        if user is None:
            raise BadInput(f"không có tài khoản {username}")
        rows.disable_user(s, user.id)
        repository.append_audit(s, actor=by, action="user.disabled", subject=f"user:{username}")


def set_oversight(ctx: Context, username: str, agencies: list[str], *, clear: bool = False, by: str) -> UserInfo:
    """Let a staff member review the queues of ``agencies`` besides their own (added to what they oversee;
    with ``clear``, in place of it). Audited, so who widened whose reach stays on record."""
    bad = [a for a in agencies if not _AGENCY.fullmatch(a)]
    if bad:
        raise BadInput(f"mã cơ quan không hợp lệ: {bad}")
    with session_scope(ctx.engine) as s:
        user = rows.user_by_name(s, username)
        if user is None:
            raise BadInput(f"không có tài khoản {username}")
        if agencies and not set(user.roles) & SCOPE_ROLES["review"]:
            raise BadInput(f"{username} không có vai trò kiểm tra, phê duyệt hay quản trị để giám sát hàng chờ")
        before = sorted(user.oversees or ())
        after = sorted(((set() if clear else set(before)) | set(agencies)) - {user.agency})
        rows.set_oversees(s, user.id, after)
        repository.append_audit(s, actor=by, action="user.oversight", subject=f"user:{username}",
                                payload={"before": before, "after": after})  # fmt: skip
        s.refresh(user)
        return _info(user)


def ensure_first_admin(ctx: Context) -> str | None:
    """With no user at all, create ``admin`` (password from settings, else random); the random one, once."""
    with session_scope(ctx.engine) as s:
        if rows.count_users(s):
            return None
    given = ctx.settings.admin_password
    password = given.get_secret_value() if given else secrets.token_urlsafe(12)
    try:
        add_user(ctx, "admin", password, roles=["admin"], by="system:serve")
    except Conflict:
        return None  # another process made it meanwhile
    return None if given else password


def login(ctx: Context, username: str, password: str, totp_code: str | None = None) -> tuple[str, str, Principal]:
    """Check a password (and a TOTP code when the user has one); a new session: (id, CSRF token, principal).

    The same error for an unknown name, a wrong password and a disabled user, and the same argon2 work, so
    neither the answer nor its time says which names exist.
    """
    refused = NotAuthenticated("tên đăng nhập hoặc mật khẩu không đúng")
    with session_scope(ctx.engine) as s:
        user = rows.user_by_name(s, username)
        try:
            _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            raise refused from None
        if user is None or user.disabled:
            raise refused
        if user.totp_secret and not pyotp.TOTP(user.totp_secret).verify(totp_code or "", valid_window=1):
            raise NotAuthenticated("mã xác thực hai bước không đúng")
        if _HASHER.check_needs_rehash(user.password_hash):
            rows.set_password_hash(s, user.id, _HASHER.hash(password))
        return _new_session(ctx, s, user, via="password")


def login_verified(ctx: Context, username: str, *, via: str) -> tuple[str, str, Principal]:
    """A new session for a user whose identity another party proved (``via``: an OIDC provider): the local
    account must exist and be enabled, and gives the roles and the agency. No TOTP here: the provider's own
    second factor stands in for it."""
    with session_scope(ctx.engine) as s:
        user = rows.user_by_name(s, username.strip().lower())
        if user is None or user.disabled:
            raise NotAuthenticated(f"không có tài khoản đang hoạt động tên {username!r} trên hệ thống này",
                                   hint="quản trị viên cần tạo tài khoản cùng tên (sohoa users add)")  # fmt: skip
        return _new_session(ctx, s, user, via=via)


def _new_session(ctx: Context, s: Session, user: UserRow, *, via: str) -> tuple[str, str, Principal]:
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=ctx.settings.session_hours)
    rows.purge_expired_sessions(s)
    rows.add_session(s, id_hash=_digest(session_id), user_id=user.id, csrf=csrf, expires_at=expires)
    payload = None if via == "password" else {"via": via}
    actor = f"user:{user.username}"
    repository.append_audit(s, actor=actor, action="user.login", subject=actor, payload=payload)
    return session_id, csrf, _principal(user)


def session_principal(ctx: Context, session_id: str) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session, or ``None``."""
    with session_scope(ctx.engine) as s:
        found = rows.live_session(s, _digest(session_id))
        return (_principal(found[1]), found[0].csrf) if found else None


def logout(ctx: Context, session_id: str) -> None:
    """End a session."""
    with session_scope(ctx.engine) as s:
        rows.end_session(s, _digest(session_id))


def create_token(ctx: Context, username: str, scopes: list[str], *, days: int, name: str, by: str) -> str:
    """A new API token for ``username`` (shown once; only its digest is kept)."""
    wanted = set(scopes)
    if not wanted or wanted - SCOPES:
        raise BadInput(f"phạm vi không hợp lệ: {sorted(wanted - SCOPES) or 'trống'} (chọn trong {sorted(SCOPES)})")
    if not 1 <= days <= 366:
        raise BadInput("thời hạn token: từ 1 đến 366 ngày")
    token = "sohoa_" + secrets.token_urlsafe(32)
    with session_scope(ctx.engine) as s:
        user = rows.user_by_name(s, username)
        if user is None or user.disabled:
            raise BadInput(f"không có tài khoản {username} đang hoạt động")
        not_allowed = sorted(sc for sc in wanted if not set(user.roles) & SCOPE_ROLES[sc])
        if not_allowed:
            raise Forbidden(f"vai trò của {username} không cho phép phạm vi {not_allowed}")
        row = rows.add_token(s, token_hash=_digest(token), user_id=user.id, name=name[:64], scopes=sorted(wanted),
                             expires_at=utcnow() + timedelta(days=days))  # fmt: skip
        repository.append_audit(s, actor=by, action="token.created", subject=f"user:{username}",
                                payload={"token_id": row.id, "scopes": sorted(wanted), "days": days})  # fmt: skip
    return token


def revoke_token(ctx: Context, token_id: int, *, by: str) -> bool:
    """Revoke a token by its id; whether it was live."""
    with session_scope(ctx.engine) as s:
        done = rows.revoke_token(s, token_id)
        if done:
            repository.append_audit(s, actor=by, action="token.revoked", subject=f"token:{token_id}")
        return done


def token_principal(ctx: Context, token: str) -> Principal | None:
    """The principal of a live API token (limited to its scopes), or ``None``."""
    with session_scope(ctx.engine) as s:
        found = rows.live_token(s, _digest(token))
        return _principal(found[1], list(found[0].scopes)) if found else None


# -- what a principal may do ---------------------------------------------------------------------------


def require(principal: Principal, *roles: str, scope: str) -> None:
    """``Forbidden`` unless the principal has one of ``roles`` and, through a token, ``scope``."""
    if not principal.has(*roles):
        raise Forbidden(f"cần vai trò {' hoặc '.join(roles)}")
    if principal.scopes is not None and scope not in principal.scopes:
        raise Forbidden(f"token không có phạm vi {scope}")


def check_dossier(ctx: Context, principal: Principal, code: str) -> None:
    """Staff may see a dossier of their own agency only; citizens no dossier (they see results)."""
    from workers import dossiers

    with session_scope(ctx.engine) as s:
        agency = dossiers.get_row(s, code).agency  # an unknown code is UnknownDossier (404)
    if not principal.is_staff or agency != principal.agency:
        raise Forbidden(f"không có quyền xem hồ sơ {code}")


def check_review(ctx: Context, principal: Principal, code: str) -> None:
    """Reviewers may work on a result of their own agency or of one they oversee; a wall for anyone else. The
    caller checked the reviewing role first, so a citizen never reaches here with rights."""
    from workers.results import show_result

    agency = _result_agency(ctx, show_result(ctx.engine, code).dossier)  # an unknown code is 404
    if not principal.is_staff or agency not in principal.review_agencies:
        raise Forbidden(f"không có quyền kiểm tra kết quả {code}")


def _result_agency(ctx: Context, dossier_code: str) -> str:
    from workers import dossiers

    with session_scope(ctx.engine) as s:
        return dossiers.get_row(s, dossier_code).agency


def owner_ids(fields: dict[str, object]) -> set[str]:
    """The personal IDs (digits only) among a result's fields: whose result it is."""
    found: set[str] = set()
    for key in repository.PERSONAL_ID_KEYS:
        value = fields.get(key)
        for item in value if isinstance(value, list) else [value]:
            raw = getattr(item, "value", None) if item is not None else None
            digits = re.sub(r"\D", "", str(raw or ""))
            if digits:
                found.add(digits)
    return found


def may_see_result(ctx: Context, principal: Principal, dossier_code: str, fields: dict[str, object]) -> bool:
    """Staff of the result's agency, or the citizen whose personal ID the result holds."""
    if principal.is_staff:
        try:
            check_dossier(ctx, principal, dossier_code)
        except Forbidden:
            return False
        return True
    return bool(principal.personal_id) and principal.personal_id in owner_ids(fields)
