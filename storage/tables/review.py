"""Field revisions: every change a reviewer makes to a field, old and new value, who, when and why.

A revision names its result, field key and position as plain values besides the row ids, so the history
of a result stays readable even if a later re-split removes the document row (the ids become NULL).
Values live here and only here: the audit log refers to a revision by its id, never by its values,
because values may be personal data (DESIGN.md: none in logs).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base, utcnow


class FieldRevisionRow(Base):
    """One correction (or confirmation: ``old_value == new_value``) of one field item."""

    __tablename__ = "field_revisions"
    # Never updated or deleted (migration 0004's triggers), except that a removed field or document sets
    # field_id / document_id to NULL (the foreign keys' ON DELETE SET NULL).
    __table_args__ = {"info": {"append_only": True}}  # noqa: RUF012 - SQLAlchemy reads this class attribute

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int | None] = mapped_column(sa.ForeignKey("fields.id", ondelete="SET NULL"), index=True)
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id", ondelete="SET NULL"))
    result_code: Mapped[str] = mapped_column(sa.String(80), index=True)
    key: Mapped[str] = mapped_column(sa.String(128))
    position: Mapped[int] = mapped_column(sa.Integer)
    old_value: Mapped[str | None] = mapped_column(sa.Text)
    new_value: Mapped[str | None] = mapped_column(sa.Text)
    old_status: Mapped[str] = mapped_column(sa.String(16))
    by: Mapped[str] = mapped_column(sa.String(128))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str | None] = mapped_column(sa.Text)
