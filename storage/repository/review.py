"""Review writes: correct a field (with its revision), approve a result, read a result's history.

The rules (who may correct what, in which dossier state, what gets audited) live in
``workers.review``; these functions only write rows, in the caller's transaction.

A corrected field keeps its row (same id, so its revisions stay linked) and gets status
``corrected``; ``save_document`` never overwrites such a row when a dossier is processed again.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sohoa.errors import BadInput, StorageError, TooLong
from storage.tables import DocumentRow, FieldRevisionRow, FieldRow, utcnow

CORRECTED = "corrected"
NEEDS_REVIEW = "needs_review"
ABSENT = "absent"  # old_status of an item a reviewer added to a repeated field

# The longest text a person may type, in characters after NFC, by what it is (data, not branches): a field
# value by its field's type (pipeline/data/doctypes.json); a date, a number or an amount is short, a name,
# an address or a summary (trích yếu) a sentence or two. Longer is refused (``TooLong``, exit 2), not cut.
VALUE_LIMITS: dict[str, int] = {"date": 40, "int": 40, "decimal": 60, "enum": 120, "str": 2_000, "list": 2_000}
MAX_VALUE = max(VALUE_LIMITS.values())
MAX_REASON = 1_000  # why a field was corrected: a sentence or a short paragraph
MAX_NAME = 128  # who acts (--by, account names): the audit log's actor column


def document_fields(session: Session, document_id: int) -> list[FieldRow]:
    """The document's field rows, read fresh, by key then position."""
    return list(
        session.scalars(
            select(FieldRow)
            .where(FieldRow.document_id == document_id)
            .order_by(FieldRow.key, FieldRow.position)
            .execution_options(populate_existing=True)
        )
    )


def clean_value(value: str, field_type: str = "str") -> str:
    """A typed value as stored: NFC (one spelling of each Vietnamese letter), outer spaces removed; at most
    ``VALUE_LIMITS[field_type]`` characters."""
    limit = VALUE_LIMITS.get(field_type, MAX_VALUE)
    if len(value) > 4 * limit:  # refused before normalizing a megabyte
        raise _too_long("giá trị", len(value), limit, field_type)
    cleaned = unicodedata.normalize("NFC", value).strip()
    if len(cleaned) > limit:
        raise _too_long("giá trị", len(cleaned), limit, field_type)
    return cleaned


def clean_reason(reason: str | None) -> str | None:
    """Why a field was corrected, as stored: NFC, outer spaces removed, ``None`` when empty; at most ``MAX_REASON``."""
    if reason is None:
        return None
    if len(reason) > 4 * MAX_REASON:
        raise _too_long("lý do", len(reason), MAX_REASON)
    cleaned = unicodedata.normalize("NFC", reason).strip()
    if len(cleaned) > MAX_REASON:
        raise _too_long("lý do", len(cleaned), MAX_REASON)
    return cleaned or None


def clean_actor(by: str) -> str:
    """Who acts, as recorded in revisions and the audit log: named, at most ``MAX_NAME`` characters."""
    if len(by) > 4 * MAX_NAME:
        raise _too_long("tên người thực hiện (--by)", len(by), MAX_NAME)
    name = unicodedata.normalize("NFC", by).strip()
    if not name:
        raise BadInput("cần tên người thực hiện (--by)")
    if len(name) > MAX_NAME:
        raise _too_long("tên người thực hiện (--by)", len(name), MAX_NAME)
    return name


def _too_long(what: str, length: int, limit: int, field_type: str | None = None) -> TooLong:
    kind = f" (trường kiểu {field_type})" if field_type else ""
    return TooLong(f"{what} dài {length} ký tự, vượt giới hạn {limit} ký tự{kind}")


def correct_field(
    session: Session,
    document: DocumentRow,
    *,
    key: str,
    position: int,
    value: str,
    by: str,
    reason: str | None = None,
    at: datetime | None = None,
) -> FieldRevisionRow:
    """Set field ``key`` item ``position`` to ``value``, status ``corrected``, and record the revision.

    ``position`` equal to the number of items of a repeated field adds an item (a reviewer adding an
    owner OCR missed; its revision has ``old_status`` ``absent``). The corrected value is typed by a
    person, so its confidence becomes 1.0; the OCR's ``raw`` reading and the box are kept as evidence;
    the reasons it was doubted are cleared (the revision keeps its ``old_status``).
    """
    by = clean_actor(by)
    reason = clean_reason(reason)
    when = at or utcnow()
    new_value = clean_value(value)
    rows = [r for r in document_fields(session, document.id) if r.key == key]
    row = next((r for r in rows if r.position == position), None)
    old_value, old_status = (row.value, row.status) if row is not None else (None, ABSENT)
    if row is None:
        last = max((r.position for r in rows), default=-1)
        can_add = position == last + 1 and (any(r.repeated for r in rows) if rows else key in document.field_keys)
        if not can_add:
            raise StorageError(f"no field {key}.{position} in {document.code}")
        row = FieldRow(
            document_id=document.id,
            key=key,
            position=position,
            repeated=True,
            value=new_value,
            confidence=1.0,
            status=CORRECTED,
            reasons=[],
        )
        session.add(row)
        session.flush()
    revision = FieldRevisionRow(
        field_id=row.id,
        document_id=document.id,
        result_code=document.code,
        key=key,
        position=position,
        old_value=old_value,
        new_value=new_value,
        old_status=old_status,
        by=by,
        at=when,
        reason=reason,
    )
    session.add(revision)
    session.execute(
        update(FieldRow)
        .where(FieldRow.id == row.id)
        .values(value=new_value, status=CORRECTED, confidence=1.0, reasons=[])
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(DocumentRow)
        .where(DocumentRow.id == document.id)
        .values(updated_at=when)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return revision


def set_approval(session: Session, document_id: int, *, by: str | None, at: datetime | None = None) -> None:
    """Approve a result (``by`` a reviewer or ``sohoa``), or withdraw its approval with ``by=None``."""
    when = at or utcnow()
    session.execute(
        update(DocumentRow)
        .where(DocumentRow.id == document_id)
        .values(approved_at=when if by else None, approved_by=by, updated_at=when)
        .execution_options(synchronize_session=False)
    )


def load_revisions(session: Session, result_code: str) -> list[FieldRevisionRow]:
    """Every revision of a result's fields, oldest first (kept even if the document row was removed)."""
    return list(
        session.scalars(
            select(FieldRevisionRow).where(FieldRevisionRow.result_code == result_code).order_by(FieldRevisionRow.id)
        )
    )


def revisions_by_id(session: Session, ids: Iterable[int]) -> dict[int, FieldRevisionRow]:
    """The revisions with these ids."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {r.id: r for r in session.scalars(select(FieldRevisionRow).where(FieldRevisionRow.id.in_(wanted)))}
