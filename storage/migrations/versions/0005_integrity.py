"""Integrity: why a result was (not) approved by sohoa, what a signed input carries, refused inputs.

Revision ID: 0005_integrity
Revises: 0004_audit_seals
Create Date: 2026-12-06

- ``documents.auto_approval``: sohoa's verdict on approving a result by itself (``{"automatic": bool,
  "reasons": [...]}``), kept so every export of the result says why it waits for a reviewer.
- ``dossier_sources.traits``: what ingest saw inside a PDF that matters for trust (how many signatures,
  active content such as JavaScript or embedded files), so both modes decide the same way whether a signed
  input may be passed through byte-exact.
- ``refused_inputs``: the tombstones of refused dossiers (a secret document): the input's sha256, when,
  why. Nothing else of such a dossier is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_integrity"
down_revision: str | None = "0004_audit_seals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, as 0002 does: a batch "copy and drop" of ``documents`` on SQLite would take the
    # fields with it through their ON DELETE CASCADE.
    op.add_column("documents", sa.Column("auto_approval", sa.JSON(), nullable=True))
    op.add_column("dossier_sources", sa.Column("traits", sa.JSON(), nullable=True))
    op.create_table(
        "refused_inputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refused_inputs")),
    )
    op.create_index(op.f("ix_refused_inputs_sha256"), "refused_inputs", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_refused_inputs_sha256"), table_name="refused_inputs")
    op.drop_table("refused_inputs")
    op.drop_column("dossier_sources", "traits")
    op.drop_column("documents", "auto_approval")
