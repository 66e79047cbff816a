"""Documents (results) and their fields: saved idempotently, read back as ``FieldValue``s.

``save_document`` is an upsert of the document plus a *replacement* of its fields, in the caller's
transaction: running extraction again leaves exactly the new fields, never duplicates, with one
exception: a field a reviewer ``corrected`` is never overwritten or removed by processing again. That
is enforced in the SQL itself (the upsert's ``WHERE status <> 'corrected'``), so it holds even against
a correction committed while the document is being saved. Field rows are updated in place (same id),
which keeps their revisions linked.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from pipeline.models import FieldValue
from sohoa.errors import StorageError
from storage.keys import validate_key
from storage.repository._upsert import upsert
from storage.repository.dossiers import result_code
from storage.tables import DocumentRow, DossierRow, FieldRow, utcnow

Fields = Mapping[str, FieldValue | list[FieldValue]]
CORRECTED = "corrected"
_FIELD_COLUMNS = ("repeated", "value", "raw", "confidence", "page", "bbox", "status", "reasons")
_FIELD_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


def save_document(
    session: Session,
    dossier_id: int,
    *,
    index: int,
    code: str,
    type: str,
    pages: Sequence[int],
    pdf_key: str | None,
    pdf_sha256: str | None,
    signature: Mapping[str, Any],
    fields: Fields,
) -> DocumentRow:
    """Insert or update document ``index`` of the dossier and replace its fields.

    ``code`` must be ``result_code(dossier code, index)``. ``pdf_sha256`` is the sha256 of the
    stored object (``StoredObject.sha256``), which after a re-run is the first signed PDF, not the
    one just made. ``needs_ltv`` and the approval are left as they are (see ``set_needs_ltv``,
    ``workers.review.auto_approve``). Fields a reviewer corrected are kept, even when the new
    extraction lacks them (their keys are appended to ``field_keys``).
    """
    dossier = session.get(DossierRow, dossier_id)
    if dossier is None:
        raise StorageError(f"no dossier with id {dossier_id}")
    if code != result_code(dossier.code, index):
        raise StorageError(f"document code {code!r} should be {result_code(dossier.code, index)!r}")
    if pdf_key is not None:
        validate_key(pdf_key)
    for key in fields:
        if not _FIELD_KEY.fullmatch(key):
            raise StorageError(f"invalid field key {key!r}")
    now = utcnow()
    values = {
        "dossier_id": dossier_id,
        "index": index,
        "code": code,
        "type": type,
        "pages": list(pages),
        "field_keys": list(fields),
        "pdf_key": pdf_key,
        "pdf_sha256": pdf_sha256,
        "signature": dict(signature),
        "needs_ltv": False,
        "created_at": now,
        "updated_at": now,
    }
    stmt = upsert(
        session,
        DocumentRow,
        values,
        conflict=["code"],
        take=("type", "pages", "field_keys", "pdf_key", "pdf_sha256", "signature", "updated_at"),
    ).returning(DocumentRow)
    document = session.scalars(stmt, execution_options={"populate_existing": True}).one()
    _replace_fields(session, document, fields)
    session.expire(document, ["fields"])
    return document


def _replace_fields(session: Session, document: DocumentRow, fields: Fields) -> None:
    """Upsert the new field items, delete the others; corrected items are left exactly as they are."""
    rows = list(_field_rows(document.id, fields))
    slots = {(row["key"], row["position"]) for row in rows}
    existing = session.execute(
        select(FieldRow.id, FieldRow.key, FieldRow.position).where(FieldRow.document_id == document.id)
    )
    stale = [id_ for id_, key, position in existing if (key, position) not in slots]
    if stale:
        session.execute(
            delete(FieldRow)
            .where(FieldRow.id.in_(stale), FieldRow.status != CORRECTED)
            .execution_options(synchronize_session=False)
        )
    if rows:
        stmt = upsert(
            session,
            FieldRow,
            rows,
            conflict=["document_id", "key", "position"],
            take=_FIELD_COLUMNS,
            where=FieldRow.status != CORRECTED,
        )
        session.execute(stmt)
    kept = session.scalars(
        select(FieldRow.key).where(FieldRow.document_id == document.id, FieldRow.status == CORRECTED).distinct()
    ).all()
    extra = sorted(set(kept) - set(fields))
    if extra:  # a corrected field the new extraction no longer has: keep showing it
        session.execute(
            update(DocumentRow)
            .where(DocumentRow.id == document.id)
            .values(field_keys=[*fields, *extra])
            .execution_options(synchronize_session=False)
        )
        session.refresh(document, ["field_keys"])


def _field_rows(document_id: int, fields: Fields) -> Iterable[dict[str, Any]]:
    for key, value in fields.items():
        items = value if isinstance(value, list) else [value]
        for position, item in enumerate(items):
            yield {
                "document_id": document_id,
                "key": key,
                "position": position,
                "repeated": isinstance(value, list),
                "value": item.value,
                "raw": item.raw,
                "confidence": float(item.confidence),
                "page": item.page,
                "bbox": list(item.bbox) if item.bbox is not None else None,
                "status": item.status,
                "reasons": list(item.reasons),
            }


def fields_of(document: DocumentRow) -> dict[str, FieldValue | list[FieldValue]]:
    """Rebuild a document's fields, in their original order, repeated fields as lists."""
    rows: dict[str, list[FieldRow]] = {}
    for row in sorted(document.fields, key=lambda r: (r.key, r.position)):
        rows.setdefault(row.key, []).append(row)
    result: dict[str, FieldValue | list[FieldValue]] = {}
    for key in document.field_keys:
        found = rows.get(key, [])
        values = [_field_value(row) for row in found]
        result[key] = values if not found or any(r.repeated for r in found) else values[0]
    return result


def _field_value(row: FieldRow) -> FieldValue:
    return FieldValue(
        value=row.value,
        raw=row.raw,
        confidence=row.confidence,
        page=row.page,
        bbox=tuple(row.bbox) if row.bbox is not None else None,  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        reasons=list(row.reasons),
    )


def prune_documents(session: Session, dossier_id: int, keep: Collection[int]) -> int:
    """Delete the dossier's documents whose index is not in ``keep`` (a re-split found fewer).

    Returns how many went. Their fields go with them (foreign key cascade).
    """
    result = session.execute(
        delete(DocumentRow)
        .where(DocumentRow.dossier_id == dossier_id, DocumentRow.index.not_in(list(keep)))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def set_needs_ltv(session: Session, code: str, *, needs_ltv: bool) -> None:
    """Flag (or clear) a result whose long-term validation data is still to be added."""
    result = session.execute(
        update(DocumentRow)
        .where(DocumentRow.code == code)
        .values(needs_ltv=needs_ltv, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StorageError(f"no document {code!r}")


def set_auto_approval(session: Session, code: str, verdict: Mapping[str, Any]) -> None:
    """Record sohoa's verdict on approving a result by itself (``pipeline.approval_gate.Verdict``)."""
    result = session.execute(
        update(DocumentRow)
        .where(DocumentRow.code == code)
        .values(auto_approval=dict(verdict), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StorageError(f"no document {code!r}")


def get_document(session: Session, code: str) -> DocumentRow | None:
    """A document (result) by its code, e.g. for a citizen reusing it."""
    return session.scalars(select(DocumentRow).where(DocumentRow.code == code)).one_or_none()


def dossier_documents(session: Session, dossier_id: int, *, with_fields: bool = False) -> list[DocumentRow]:
    """The dossier's documents (results) in their order; ``with_fields`` loads their field rows too."""
    stmt = (
        select(DocumentRow)
        .where(DocumentRow.dossier_id == dossier_id)
        .order_by(DocumentRow.index)
        .execution_options(populate_existing=True)  # as stored now, not as an earlier read left them
    )
    if with_fields:
        stmt = stmt.options(selectinload(DocumentRow.fields))
    return list(session.scalars(stmt))


def documents_by_codes(session: Session, codes: Collection[str], *, with_fields: bool = False) -> list[DocumentRow]:
    """The results with these codes (those that exist)."""
    if not codes:
        return []
    stmt = select(DocumentRow).where(DocumentRow.code.in_(list(codes)))
    if with_fields:
        stmt = stmt.options(selectinload(DocumentRow.fields))
    return list(session.scalars(stmt))


def waiting_documents(session: Session) -> list[tuple[DocumentRow, str]]:
    """Results not approved yet of dossiers waiting for review, with their fields and dossier code."""
    rows = session.execute(
        select(DocumentRow, DossierRow.code)
        .join(DossierRow, DocumentRow.dossier_id == DossierRow.id)
        .where(DossierRow.state == "needs_review", DocumentRow.approved_at.is_(None))
        .options(selectinload(DocumentRow.fields))
        .order_by(DocumentRow.code)
    ).all()
    return [(doc, code) for doc, code in rows]


def set_result_pdf(
    session: Session, document_id: int, *, key: str, sha256: str, signature: Mapping[str, Any], needs_ltv: bool
) -> None:
    """Point a result at a new version of its PDF (published, long-term data added), with its signatures."""
    validate_key(key)
    session.execute(
        update(DocumentRow)
        .where(DocumentRow.id == document_id)
        .values(pdf_key=key, pdf_sha256=sha256, signature=dict(signature), needs_ltv=needs_ltv, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def results_needing_ltv(session: Session) -> list[str]:
    """Codes of the results whose long-term validation data is still to be added."""
    return sorted(session.scalars(select(DocumentRow.code).where(DocumentRow.needs_ltv.is_(True))))
