"""Refused inputs: the tombstones left of a dossier that must not be kept (a document marked secret).

A tombstone holds the input's sha256, when and why, and nothing else; the dossier's own rows go
(``delete_dossier``). The same file handed in again is refused at once (``refused_among``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.tables import DossierRow, RefusedInputRow, SourceRow, utcnow


def record_refusal(session: Session, sha256s: Iterable[str], *, reason_code: str, reason: str) -> None:
    """One tombstone per input not already refused."""
    wanted = set(sha256s)
    known = refused_among(session, wanted)
    now = utcnow()
    for sha in sorted(wanted - known):
        session.add(RefusedInputRow(sha256=sha, refused_at=now, reason_code=reason_code, reason=reason))
    session.flush()


def refused_among(session: Session, sha256s: Iterable[str]) -> set[str]:
    """Which of these inputs were refused before."""
    wanted = list(set(sha256s))
    if not wanted:
        return set()
    return set(session.scalars(select(RefusedInputRow.sha256).where(RefusedInputRow.sha256.in_(wanted))))


def refusal_reason(session: Session, sha256: str) -> str | None:
    """Why this input was refused, if it was."""
    return session.scalars(
        select(RefusedInputRow.reason).where(RefusedInputRow.sha256 == sha256).order_by(RefusedInputRow.id)
    ).first()


def other_dossiers_holding(session: Session, sha256: str, dossier_id: int) -> int:
    """How many other dossiers hold this input (its stored original is shared by content address)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(SourceRow)
            .where(SourceRow.sha256 == sha256, SourceRow.dossier_id != dossier_id)
        )
        or 0
    )


def refused_dossiers(session: Session) -> list[str]:
    """Codes of rejected dossiers holding a tombstoned input: refusals not yet purged to the end."""
    tombstoned = select(SourceRow.dossier_id).join(RefusedInputRow, RefusedInputRow.sha256 == SourceRow.sha256)
    return list(
        session.scalars(select(DossierRow.code).where(DossierRow.state == "rejected", DossierRow.id.in_(tombstoned)))
    )


def delete_dossier(session: Session, dossier_id: int) -> None:
    """Remove a dossier and, by cascade, its sources, pages (OCR text), stage runs, documents and fields."""
    session.execute(delete(DossierRow).where(DossierRow.id == dossier_id).execution_options(synchronize_session=False))
