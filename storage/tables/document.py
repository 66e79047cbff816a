"""The document aggregate: a component of a dossier and its result (signed PDF + fields)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.tables.base import Base, Timestamps

if TYPE_CHECKING:
    from storage.tables.dossier import DossierRow
    from storage.tables.field import FieldRow


class DocumentRow(Timestamps, Base):
    """One document (result) ``<dossier code>-<nn>``.

    ``field_keys`` keeps the order of the fields and remembers repeated fields that came out
    empty (``[]``), which have no field rows. ``needs_ltv`` flags a result whose long-term
    validation data is still pending: a flag, not a dossier state. ``approved_at``/``approved_by``
    record the approval of this result (by a reviewer, or by sohoa when nothing needed review); the
    dossier is approved when all its documents are. ``auto_approval`` says why sohoa did or did not
    approve it by itself (``{"automatic": bool, "reasons": [...]}``). ``pdf_sha256`` is indexed: results
    are found by it.
    """

    __tablename__ = "documents"
    __table_args__ = (sa.UniqueConstraint("dossier_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(sa.Integer)
    code: Mapped[str] = mapped_column(sa.String(80), unique=True)
    type: Mapped[str] = mapped_column(sa.String(64))
    pages: Mapped[list[int]] = mapped_column(sa.JSON)
    field_keys: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    pdf_key: Mapped[str | None] = mapped_column(sa.String(1024))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    signature: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    needs_ltv: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(sa.String(128))
    auto_approval: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)  # sohoa's verdict: see auto_approve

    dossier: Mapped[DossierRow] = relationship(back_populates="documents")
    fields: Mapped[list[FieldRow]] = relationship(
        back_populates="document",
        order_by="(FieldRow.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
