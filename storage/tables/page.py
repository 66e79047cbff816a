"""Pages: the cached result of clean + OCR for each page, so a dossier resumes without re-OCR."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base, Timestamps


class PageRow(Timestamps, Base):
    """One page of a dossier: ``PageResult.to_json()`` and the key of its stored page image."""

    __tablename__ = "pages"
    __table_args__ = (sa.UniqueConstraint("dossier_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(sa.Integer)
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    image_key: Mapped[str | None] = mapped_column(sa.String(1024))
