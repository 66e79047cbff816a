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


# Pydantic's error types in words for staff and citizens; an unlisted type reads as "không hợp lệ".
INVALID_WORDS = {
    "missing": "thiếu giá trị bắt buộc",
    "string_too_long": "quá dài",
    "string_too_short": "không được để trống",
    "too_short": "không được để trống",
    "string_type": "phải là chuỗi ký tự",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "greater_than_equal": "nhỏ hơn mức cho phép",
    "less_than_equal": "lớn hơn mức cho phép",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "literal_error": "không thuộc các giá trị được chấp nhận",
    "json_invalid": "không phải JSON hợp lệ",
    "model_attributes_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "value_error": "không hợp lệ",
}


def invalid_message(errors: list[dict[str, object]]) -> str:
    """The first problem of a malformed request, in Vietnamese: where, and what is wrong there."""
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")  # type: ignore[attr-defined]
    what = INVALID_WORDS.get(str(first.get("type", "")), "không hợp lệ")
    return f"yêu cầu không hợp lệ: {where} {what}".strip() if where else f"yêu cầu không hợp lệ: {what}"
