"""Audit seals, and field revisions made append-only.

Revision ID: 0004_audit_seals
Revises: 0003
Create Date: 2026-12-05

- ``audit_seals``: the audit log's head signed with the agency key (``storage.tables.audit``), append-only.
- ``field_revisions`` become append-only like ``audit_log`` (0002): triggers refuse UPDATE and DELETE (and
  TRUNCATE on PostgreSQL). One update stays allowed: the foreign keys' ``ON DELETE SET NULL`` clearing
  ``field_id`` / ``document_id`` when a re-split removes a document; every other column must stay as it was.

Privileges of the runtime role are not set here but by ``storage.grants`` after every upgrade, so tables
added by later migrations get theirs too.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_audit_seals"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Columns of field_revisions that never change once written (SQLite compares them one by one).
_KEPT = ("id", "result_code", "key", "position", "old_value", "new_value", "old_status", "by", "at", "reason")
_UNCHANGED = " AND ".join(f'NEW."{c}" IS OLD."{c}"' for c in _KEPT)
_ONLY_UNLINKED = (
    '(NEW."field_id" IS OLD."field_id" OR NEW."field_id" IS NULL) '
    'AND (NEW."document_id" IS OLD."document_id" OR NEW."document_id" IS NULL)'
)


def _refuse(table: str) -> str:
    return f"SELECT RAISE(ABORT, '{table} is append-only')"


_SQLITE = [
    "CREATE TRIGGER field_revisions_no_update BEFORE UPDATE ON field_revisions "
    f"WHEN NOT ({_UNCHANGED} AND {_ONLY_UNLINKED}) BEGIN {_refuse('field_revisions')}; END",
    *(
        f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN {_refuse(table)}; END"
        for table, verbs in (("field_revisions", ("DELETE",)), ("audit_seals", ("UPDATE", "DELETE")))
        for verb in verbs
    ),
]
_PG = [
    "CREATE FUNCTION field_revisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'UPDATE' "
    "AND (NEW.field_id IS NOT DISTINCT FROM OLD.field_id OR NEW.field_id IS NULL) "
    "AND (NEW.document_id IS NOT DISTINCT FROM OLD.document_id OR NEW.document_id IS NULL) "
    "AND (to_jsonb(NEW) - 'field_id' - 'document_id') = (to_jsonb(OLD) - 'field_id' - 'document_id') "
    "THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'field_revisions is append-only'; END $$",
    "CREATE TRIGGER field_revisions_no_change BEFORE UPDATE OR DELETE ON field_revisions "
    "FOR EACH ROW EXECUTE FUNCTION field_revisions_append_only()",
    "CREATE TRIGGER field_revisions_no_truncate BEFORE TRUNCATE ON field_revisions "
    "FOR EACH STATEMENT EXECUTE FUNCTION field_revisions_append_only()",
    "CREATE FUNCTION audit_seals_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_seals is append-only'; END $$",
    "CREATE TRIGGER audit_seals_no_change BEFORE UPDATE OR DELETE ON audit_seals "
    "FOR EACH ROW EXECUTE FUNCTION audit_seals_append_only()",
    "CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_seals_append_only()",
]


def _postgresql() -> bool:
    return op.get_context().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table(
        "audit_seals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("signer", sa.String(length=256), nullable=False),
        sa.Column("cert_sha256", sa.String(length=64), nullable=False),
        sa.Column("development", sa.Boolean(), nullable=False),
        sa.Column("timestamped", sa.Boolean(), nullable=False),
        sa.Column("cms", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_seals")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_seals_seq")),
    )
    for statement in _PG if _postgresql() else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if _postgresql():
        op.execute("DROP TRIGGER field_revisions_no_truncate ON field_revisions")
        op.execute("DROP TRIGGER field_revisions_no_change ON field_revisions")
        op.execute("DROP FUNCTION field_revisions_append_only()")
    else:
        op.execute("DROP TRIGGER field_revisions_no_delete")
        op.execute("DROP TRIGGER field_revisions_no_update")
    op.drop_table("audit_seals")  # its triggers go with it
    if _postgresql():
        op.execute("DROP FUNCTION audit_seals_append_only()")
