"""Reuse codes: what a citizen reads off ``/my`` and the clerk types at the desk to reuse a result.

A code is the result code and six characters keyed on it and the agency day (HMAC with the audit key), so
sohoa stores nothing for it, only the owner's page shows it, and it lapses after the next day.
"""

from __future__ import annotations

import hmac
from datetime import UTC, date, datetime, timedelta

from sohoa.errors import BadInput
from workers.context import Context
from workers.dossiers import AGENCY_TZ

KEY_CHARS = 6


class BadReuseCode(BadInput):
    """The reuse code is malformed, wrong or older than yesterday."""

    code = "bad_reuse_code"


def _today(now: datetime | None) -> date:
    return (now or datetime.now(UTC)).astimezone(AGENCY_TZ).date()


def _key(ctx: Context, result: str, day: date) -> str:
    return ctx.audit_key.digest("sohoa.reuse-code/1", result, day.isoformat())[:KEY_CHARS].upper()


def reuse_code(ctx: Context, result: str, *, now: datetime | None = None) -> str:
    """Today's reuse code of ``result`` (only its owner's page calls this)."""
    return f"{result}.{_key(ctx, result, _today(now))}"


def redeem(ctx: Context, text: str, *, now: datetime | None = None) -> str:
    """The result a reuse code names, if it was issued today or yesterday; else ``BadReuseCode``."""
    result, _, key = text.strip().upper().rpartition(".")
    today = _today(now)
    for day in (today, today - timedelta(days=1)):
        if result and hmac.compare_digest(_key(ctx, result, day).encode(), key.encode()):
            return result
    raise BadReuseCode("mã dùng lại không đúng hoặc đã hết hạn (chỉ dùng trong ngày cấp và ngày sau)")
