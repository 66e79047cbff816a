"""One error boundary for HTTP: a ``SohoaError`` becomes a status and ``{"error": {"code", "message"}}``.

Why one place: every endpoint raises the same typed errors as the CLI, so the status codes cannot drift
between endpoints. Unknown codes are 404s, bad input 400 (422 for a malformed request), not allowed 403,
conflicts 409, no login 401, too many attempts 429; anything unexpected is a 500 that says nothing inside.
"""

from __future__ import annotations

import logging

from sohoa.errors import BadInput, Conflict, Forbidden, NotAuthenticated, SohoaError

log = logging.getLogger("sohoa.web")

CONFLICT_CODES = frozenset({"publish_conflict", "conflict", "dossier_exists"})
UNAVAILABLE_CODES = frozenset({"queue_unavailable", "storage", "object_missing"})


class TooManyRequests(SohoaError):
    """A client asked too often (login, status lookup): wait a minute."""

    code = "too_many_requests"


def status_of(exc: SohoaError) -> int:
    """The HTTP status for a typed error."""
    if isinstance(exc, NotAuthenticated):
        return 401
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, TooManyRequests):
        return 429
    if isinstance(exc, Conflict) or exc.code in CONFLICT_CODES:
        return 409
    if exc.code.startswith("unknown_"):
        return 404
    if isinstance(exc, BadInput):
        return 400
    if exc.code in UNAVAILABLE_CODES:
        return 503
    return 500


def body_of(exc: SohoaError) -> dict[str, dict[str, str]]:
    """The JSON error body; the hint goes with the message (it says what to do next)."""
    message = exc.message + (f" ({exc.hint})" if exc.hint else "")
    return {"error": {"code": exc.code, "message": message}}


INTERNAL = {"error": {"code": "internal", "message": "lỗi nội bộ, vui lòng thử lại sau"}}
