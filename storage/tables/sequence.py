"""Daily sequences: the ``<seq>`` of ``<agency>-<YYMMDD>-<seq>``, one counter per agency and day."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base


class DailySequenceRow(Base):
    """The last sequence number handed out for (agency, day).

    Bumped by one atomic upsert inside the transaction that creates the dossier, so a rollback
    gives the number back and the sequence stays gapless (see ``storage.repository.dossiers``).
    """

    __tablename__ = "daily_sequences"

    agency: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    last: Mapped[int] = mapped_column(sa.Integer)
