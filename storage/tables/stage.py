"""Stage runs: which stage of a dossier ran, how often, and how it ended (the resume point)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base, utcnow


class StageRunRow(Base):
    """The latest run of one stage of one dossier; ``attempt`` counts the runs."""

    __tablename__ = "stage_runs"
    __table_args__ = (sa.UniqueConstraint("dossier_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(sa.String(32))
    state: Mapped[str] = mapped_column(sa.String(16))
    attempt: Mapped[int] = mapped_column(sa.Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    error_code: Mapped[str | None] = mapped_column(sa.String(64))
    error_message: Mapped[str | None] = mapped_column(sa.Text)
