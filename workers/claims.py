"""Review claims: opening a result on the workbench takes it for a while, so other reviewers see it is taken.

A claim lasts ``CLAIM_MINUTES`` and is renewed by each save of its holder; past that anyone may take it (a
closed tab or a reviewer gone home never locks a result for good). Approving or rejecting ends it. A save by
someone else while the claim holds is refused (``Conflict``), so two people never fight over one result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select

from sohoa.errors import Conflict
from storage import repository
from storage.db import session_scope
from storage.tables import ReviewClaimRow, utcnow

CLAIM_MINUTES = 15


@dataclass(frozen=True)
class Claim:
    """Who holds a result and until when; ``mine`` when it is the asking reviewer."""

    actor: str
    until: datetime
    mine: bool


def take(engine: Engine, result: str, *, by: str, now: datetime | None = None) -> Claim:
    """Claim ``result`` for ``by`` (or renew their claim); another reviewer's live claim is returned as is."""
    now = now or utcnow()
    with session_scope(engine) as session:
        repository.lock_audit_log(session)  # serializes claim takers, as every review operation
        row = session.get(ReviewClaimRow, result)
        if row is not None and row.actor != by and row.until > now:
            return Claim(row.actor, row.until, mine=False)
        until = now + timedelta(minutes=CLAIM_MINUTES)
        if row is None:
            session.add(ReviewClaimRow(result_code=result, actor=by, until=until))
        else:
            row.actor, row.until = by, until
        return Claim(by, until, mine=True)


def check(engine: Engine, result: str, *, by: str, now: datetime | None = None) -> None:
    """``Conflict`` while another reviewer's claim on ``result`` holds; otherwise ``by`` takes or renews it."""
    held = take(engine, result, by=by, now=now)
    if not held.mine:
        raise Conflict(
            f"kết quả {result} đang được {held.actor} kiểm tra",
            hint=f"chờ đến {held.until:%H:%M} UTC hoặc chọn kết quả khác trong hàng chờ",
        )


def release(engine: Engine, result: str) -> None:
    """End the claim on ``result``, whoever held it: approved or rejected, it has left the queue."""
    with session_scope(engine) as session:
        session.execute(delete(ReviewClaimRow).where(ReviewClaimRow.result_code == result))


def live_claims(engine: Engine, results: list[str], now: datetime | None = None) -> dict[str, Claim]:
    """The claims on ``results`` still holding, for the queue (``mine`` is false: the caller compares)."""
    now = now or utcnow()
    with session_scope(engine) as session:
        rows = session.scalars(select(ReviewClaimRow).where(ReviewClaimRow.result_code.in_(results)))
        return {r.result_code: Claim(r.actor, r.until, mine=False) for r in rows if r.until > now}
