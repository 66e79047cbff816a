"""Reuse: results of earlier dossiers attached to a later one (``dossier_attachments``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dossier_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("result_code", sa.String(length=80), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("attached_by", sa.String(length=128), nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_attachments_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["result_code"], ["documents.code"], name=op.f("fk_dossier_attachments_result_code_documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_attachments")),
        sa.UniqueConstraint("dossier_id", "result_code", name=op.f("uq_dossier_attachments_dossier_id_result_code")),
    )
    op.create_index(op.f("ix_dossier_attachments_dossier_id"), "dossier_attachments", ["dossier_id"], unique=False)
    op.create_index(op.f("ix_dossier_attachments_result_code"), "dossier_attachments", ["result_code"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_dossier_attachments_result_code"), table_name="dossier_attachments")
    op.drop_index(op.f("ix_dossier_attachments_dossier_id"), table_name="dossier_attachments")
    op.drop_table("dossier_attachments")
