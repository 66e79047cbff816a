"""Review and audit: field revisions, the hash-chained audit log, result approval, search indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

- ``field_revisions``: every correction of a field (old and new value, who, when, why).
- ``audit_log`` + ``audit_head``: the append-only, hash-chained log and its single head row (see
  ``storage.tables.audit``). Triggers refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE) of
  ``audit_log``, so history cannot be changed by accident; the hash chain detects it when someone with
  the rights drops the triggers first.
- ``documents.approved_at`` / ``approved_by``; indexes for results search: ``fields.value`` (a hash
  index on PostgreSQL, whose B-tree refuses long values) and ``documents.pdf_sha256``.

Plain SQLAlchemy types only, like 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFUSE = "audit_log is append-only"
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END"
    for verb in ("UPDATE", "DELETE")
]
_PG_TRIGGERS = [
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
]


def _dialect() -> str:
    return op.get_context().dialect.name


def upgrade() -> None:
    op.create_table(
        "field_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("result_code", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("old_status", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_field_revisions_document_id_documents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["field_id"], ["fields.id"], name=op.f("fk_field_revisions_field_id_fields"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_revisions")),
    )
    op.create_index(op.f("ix_field_revisions_field_id"), "field_revisions", ["field_id"], unique=False)
    op.create_index(op.f("ix_field_revisions_result_code"), "field_revisions", ["result_code"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_subject"), "audit_log", ["subject"], unique=False)
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # Plain ALTERs, no batch copy: SQLite (>= 3.35) adds and drops these columns in place. Copying
    # ``documents`` would drop the old table, and with foreign keys on (an ``alembic downgrade`` from a
    # shell) its fields would go with it by cascade.
    op.add_column("documents", sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("documents", sa.Column("approved_by", sa.String(length=128), nullable=True))
    op.create_index(op.f("ix_documents_pdf_sha256"), "documents", ["pdf_sha256"], unique=False)
    op.create_index("ix_fields_value", "fields", ["value"], unique=False, postgresql_using="hash")
    for statement in _PG_TRIGGERS if _dialect() == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_fields_value", table_name="fields")
    op.drop_index(op.f("ix_documents_pdf_sha256"), table_name="documents")
    op.drop_column("documents", "approved_by")
    op.drop_column("documents", "approved_at")
    op.drop_table("audit_head")
    op.drop_index(op.f("ix_audit_log_subject"), table_name="audit_log")
    op.drop_table("audit_log")  # its triggers go with it
    if _dialect() == "postgresql":
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_index(op.f("ix_field_revisions_result_code"), table_name="field_revisions")
    op.drop_index(op.f("ix_field_revisions_field_id"), table_name="field_revisions")
    op.drop_table("field_revisions")
