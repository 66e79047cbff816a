"""Fields: one extracted value of a document, with the evidence a reviewer needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.tables.base import Base

if TYPE_CHECKING:
    from storage.tables.document import DocumentRow


class FieldRow(Base):
    """One ``FieldValue``. A repeated field (owners, recipients) has one row per item,
    ``position`` 0, 1, ... and ``repeated`` true; a single field has ``position`` 0.

    ``value`` is indexed for results search (personal ID, document number). On PostgreSQL the index is
    a hash index: equality is all search needs, and a B-tree would refuse a value longer than about
    2.7 kB (a long ``subject``); SQLite has no such limit and uses its B-tree.
    """

    __tablename__ = "fields"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "key", "position"),
        sa.Index("ix_fields_value", "value", postgresql_using="hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(128))
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    repeated: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    value: Mapped[str | None] = mapped_column(sa.Text)
    raw: Mapped[str | None] = mapped_column(sa.Text)
    confidence: Mapped[float] = mapped_column(sa.Float)
    page: Mapped[int | None] = mapped_column(sa.Integer)
    bbox: Mapped[list[int] | None] = mapped_column(sa.JSON(none_as_null=True))
    status: Mapped[str] = mapped_column(sa.String(16))
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    document: Mapped[DocumentRow] = relationship(back_populates="fields")
