"""Review claims: the reviewer who has a result open on the workbench, until when (expires by itself).

Revision ID: 0007_review_claims
Revises: 0006_accounts
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_review_claims"
down_revision: str | None = "0006_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "review_claims",
        sa.Column("result_code", sa.String(length=80), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("result_code", name=op.f("pk_review_claims")),
    )


def downgrade() -> None:
    op.drop_table("review_claims")
