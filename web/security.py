"""Who is asking, and the checks every request passes: session or token, CSRF, rate limits.

- A browser holds ``sohoa_session`` (HttpOnly, SameSite=Lax; the server keeps only its sha256). Every unsafe
  request of a session carries the session's CSRF token, as a form field ``csrf`` or the ``X-CSRF-Token``
  header; forms without a login (login, verify) use a double-submit cookie ``sohoa_csrf`` instead.
- A machine client sends ``Authorization: Bearer <token>``: no cookie, so no CSRF, and only its scopes.
- Login and the public status lookup are rate-limited per client address (and login per account name too),
  in this process's memory: enough for one server; several processes each count their own.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import TYPE_CHECKING

from starlette.requests import Request

from sohoa.errors import Forbidden, NotAuthenticated
from web.errors import TooManyRequests

if TYPE_CHECKING:
    from workers.accounts import Principal
    from workers.service import Service

SESSION_COOKIE = "sohoa_session"
CSRF_COOKIE = "sohoa_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RateLimiter:
    """At most ``limit`` events per key in any 60 s window (a sliding log per key)."""

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, *keys: str) -> None:
        """Count one event for each key; ``TooManyRequests`` when any key is over its limit."""
        now = time.monotonic()
        with self._lock:
            for key in keys:
                events = self._events[key]
                while events and events[0] <= now - self.window_s:
                    events.popleft()
                if len(events) >= self.limit:
                    raise TooManyRequests("quá nhiều lần thử, vui lòng đợi một phút rồi thử lại")
                events.append(now)


def client_address(request: Request) -> str:
    """The peer's address (a proxy in front must be trusted explicitly; X-Forwarded-For is not read)."""
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def identify(request: Request, service: Service) -> tuple[Principal | None, str | None]:
    """The principal of the request (token first, then session cookie) and the session's CSRF token."""
    token = bearer_token(request)
    if token is not None:
        principal = service.token_principal(token)
        if principal is None:
            raise NotAuthenticated("token không hợp lệ, đã hết hạn hoặc đã bị thu hồi")
        return principal, None
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        found = service.session_principal(session_id)
        if found is not None:
            return found
    return None, None


def check_csrf(request: Request, expected: str | None, given: str | None) -> None:
    """``Forbidden`` unless an unsafe request carries the expected CSRF token (header or form field)."""
    if request.method in SAFE_METHODS or bearer_token(request) is not None:
        return
    given = given or request.headers.get("x-csrf-token")
    if expected is None:  # no session: the double-submit cookie
        expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Forbidden("thiếu hoặc sai mã chống giả mạo (CSRF): tải lại trang rồi thử lại")


def anonymous_csrf(request: Request) -> str:
    """The double-submit token for a form without a login: the cookie's, or a new one to set."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
