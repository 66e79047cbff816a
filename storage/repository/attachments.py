"""Reuse: results of earlier dossiers attached to a later one, so the citizen brings no paper again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import AttachmentRow


def attach(session: Session, dossier_id: int, *, result_code: str, pdf_sha256: str, by: str) -> bool:
    """Record that the result stands for a component of the dossier; False when it already did."""
    exists = session.scalars(
        select(AttachmentRow).where(AttachmentRow.dossier_id == dossier_id, AttachmentRow.result_code == result_code)
    ).first()
    if exists is not None:
        return False
    session.add(AttachmentRow(dossier_id=dossier_id, result_code=result_code, pdf_sha256=pdf_sha256, attached_by=by))
    session.flush()
    return True


def attachments_of(session: Session, dossier_id: int) -> list[str]:
    """Codes of the results attached to the dossier, in the order they were attached."""
    return list(
        session.scalars(
            select(AttachmentRow.result_code).where(AttachmentRow.dossier_id == dossier_id).order_by(AttachmentRow.id)
        )
    )
