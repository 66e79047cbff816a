"""Initial schema: dossiers, daily sequences, sources, pages, stage runs, documents, fields.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Plain SQLAlchemy types only (no application types), so this file keeps meaning the same thing
when the models change; timestamps are timezone-aware on every backend.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _dossier_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["dossier_id"], ["dossiers.id"], name=op.f(f"fk_{table}_dossier_id_dossiers"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "daily_sequences",
        sa.Column("agency", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency", "day", name=op.f("pk_daily_sequences")),
    )
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("failed_stage", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("inputs_key", sa.String(length=64), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossiers")),
        sa.UniqueConstraint("agency", "day", "seq", name=op.f("uq_dossiers_agency_day_seq")),
        sa.UniqueConstraint("code", name=op.f("uq_dossiers_code")),
        sa.UniqueConstraint("inputs_key", name=op.f("uq_dossiers_inputs_key")),
    )
    op.create_index(op.f("ix_dossiers_state"), "dossiers", ["state"], unique=False)
    op.create_table(
        "dossier_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("object_key", sa.String(length=1024), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        _dossier_fk("dossier_sources"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_sources")),
        sa.UniqueConstraint("dossier_id", "index", name=op.f("uq_dossier_sources_dossier_id_index")),
    )
    op.create_index(op.f("ix_dossier_sources_sha256"), "dossier_sources", ["sha256"], unique=False)
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("image_key", sa.String(length=1024), nullable=True),
        *_timestamps(),
        _dossier_fk("pages"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pages")),
        sa.UniqueConstraint("dossier_id", "number", name=op.f("uq_pages_dossier_id_number")),
    )
    op.create_table(
        "stage_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        _dossier_fk("stage_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_runs")),
        sa.UniqueConstraint("dossier_id", "stage", name=op.f("uq_stage_runs_dossier_id_stage")),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("pages", sa.JSON(), nullable=False),
        sa.Column("field_keys", sa.JSON(), nullable=False),
        sa.Column("pdf_key", sa.String(length=1024), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("signature", sa.JSON(), nullable=False),
        sa.Column("needs_ltv", sa.Boolean(), server_default=sa.false(), nullable=False),
        *_timestamps(),
        _dossier_fk("documents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("code", name=op.f("uq_documents_code")),
        sa.UniqueConstraint("dossier_id", "index", name=op.f("uq_documents_dossier_id_index")),
    )
    op.create_table(
        "fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("repeated", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("bbox", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_fields_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fields")),
        sa.UniqueConstraint("document_id", "key", "position", name=op.f("uq_fields_document_id_key_position")),
    )


def downgrade() -> None:
    op.drop_table("fields")
    op.drop_table("documents")
    op.drop_table("stage_runs")
    op.drop_table("pages")
    op.drop_index(op.f("ix_dossier_sources_sha256"), table_name="dossier_sources")
    op.drop_table("dossier_sources")
    op.drop_index(op.f("ix_dossiers_state"), table_name="dossiers")
    op.drop_table("dossiers")
    op.drop_table("daily_sequences")
