"""Review claims: which reviewer has a result open on the workbench, until when.

A claim only tells other reviewers the result is taken; it expires by itself (a closed tab leaves no lock),
and field versions still refuse a stale save when two reviewers work on one result anyway.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables.base import Base, UtcDateTime


class ReviewClaimRow(Base):
    """The current claim on one result (at most one; taken over once ``until`` has passed)."""

    __tablename__ = "review_claims"

    result_code: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    actor: Mapped[str] = mapped_column(sa.String(128))
    until: Mapped[datetime] = mapped_column(UtcDateTime())
