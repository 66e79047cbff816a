"""Reuse: an existing result attached to a later dossier instead of the citizen's paper being scanned again."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base, utcnow


class AttachmentRow(Base):
    """Result ``result_code`` (of an earlier dossier) stands in this dossier for a component."""

    __tablename__ = "dossier_attachments"
    __table_args__ = (sa.UniqueConstraint("dossier_id", "result_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    result_code: Mapped[str] = mapped_column(sa.ForeignKey("documents.code"), index=True)
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64))
    attached_by: Mapped[str] = mapped_column(sa.String(128))
    attached_at: Mapped[datetime] = mapped_column(default=utcnow)
