"""The procedure a dossier was handed in for, its due date, and the agencies a staff member oversees.

Revision ID: 0008_procedure_due_oversight
Revises: 0007_review_claims
Create Date: 2026-12-07

- ``dossiers.procedure``: the catalogue code (mã TTHC) chosen at the desk, so the fan-in of the distributed
  mode checks the dossier against the same procedure the embedded mode does; NULL when none was chosen.
- ``dossiers.due_on``: the date the result is promised to the citizen (ngày hẹn trả), from the procedure's
  processing time, so the review queue can put the most urgent dossiers first.
- ``users.oversees``: agency codes beyond the user's own whose queues a supervisor may see and filter
  (codes are opaque strings, so oversight is granted explicitly, never derived from a code's shape).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_procedure_due_oversight"
down_revision: str | None = "0007_review_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, as 0002 and 0005 do: a batch "copy and drop" of ``dossiers`` on SQLite would cascade
    # the drop to every document row.
    op.add_column("dossiers", sa.Column("procedure", sa.String(length=64), nullable=True))
    op.add_column("dossiers", sa.Column("due_on", sa.Date(), nullable=True))
    op.create_index(op.f("ix_dossiers_procedure"), "dossiers", ["procedure"], unique=False)
    op.add_column("users", sa.Column("oversees", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    op.drop_column("users", "oversees")
    op.drop_index(op.f("ix_dossiers_procedure"), table_name="dossiers")
    op.drop_column("dossiers", "due_on")
    op.drop_column("dossiers", "procedure")
