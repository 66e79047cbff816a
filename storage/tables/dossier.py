"""The dossier aggregate: one submission at one desk, and the input files it holds."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.tables.base import Base, Timestamps

if TYPE_CHECKING:
    from storage.tables.document import DocumentRow
    from storage.tables.page import PageRow
    from storage.tables.stage import StageRunRow


class DossierRow(Timestamps, Base):
    """A dossier, its code and where it is in its lifecycle.

    ``inputs_key`` (sha256 over the sorted input sha256s) is unique: the same set of files handed in
    again is recognized as a dossier already seen, not processed twice.
    """

    __tablename__ = "dossiers"
    __table_args__ = (sa.UniqueConstraint("agency", "day", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    agency: Mapped[str] = mapped_column(sa.String(32))
    day: Mapped[date] = mapped_column(sa.Date)
    seq: Mapped[int] = mapped_column(sa.Integer)
    state: Mapped[str] = mapped_column(sa.String(16), index=True)
    failed_stage: Mapped[str | None] = mapped_column(sa.String(32))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    inputs_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    procedure: Mapped[str | None] = mapped_column(sa.String(64), index=True)  # catalogue code, if one was chosen
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # ngày hẹn trả, from the procedure's processing time

    sources: Mapped[list[SourceRow]] = relationship(
        back_populates="dossier",
        order_by="SourceRow.index",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    pages: Mapped[list[PageRow]] = relationship(
        order_by="PageRow.number", cascade="all, delete-orphan", passive_deletes=True
    )
    stage_runs: Mapped[list[StageRunRow]] = relationship(
        order_by="StageRunRow.id", cascade="all, delete-orphan", passive_deletes=True
    )
    documents: Mapped[list[DocumentRow]] = relationship(
        back_populates="dossier",
        order_by="DocumentRow.index",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<DossierRow {self.code} {self.state}>"


class SourceRow(Base):
    """One input file of a dossier; its bytes are the object ``object_key`` (``originals/<sha256>``)."""

    __tablename__ = "dossier_sources"
    __table_args__ = (sa.UniqueConstraint("dossier_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column(sa.Integer)
    filename: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    page_count: Mapped[int] = mapped_column(sa.Integer)
    object_key: Mapped[str] = mapped_column(sa.String(1024))
    notes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    traits: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)  # pipeline.models.Source.traits

    dossier: Mapped[DossierRow] = relationship(back_populates="sources")


class RefusedInputRow(Base):
    """The tombstone of an input whose dossier was refused (a document marked secret).

    All that is kept of such a dossier: the file's sha256, when and why. The same file handed in again
    is refused at once, before anything is stored.
    """

    __tablename__ = "refused_inputs"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    refused_at: Mapped[datetime]
    reason_code: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.Text)
