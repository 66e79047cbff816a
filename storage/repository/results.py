"""What a dossier already seen needs to be emitted again: plain data, usable after the session.

The result JSON itself is an object (``result_key``); the rows give the document codes and the
object keys of their signed PDFs, so the outputs can be copied out without processing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pipeline.models import FieldValue
from storage.keys import result_json_key
from storage.repository.documents import fields_of
from storage.tables import DocumentRow, DossierRow, SourceRow


@dataclass(frozen=True)
class StoredSource:
    """An input file as recorded; its bytes are the object ``object_key``."""

    index: int
    filename: str
    sha256: str
    kind: str
    size: int
    page_count: int
    object_key: str
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Same shape as ``pipeline.models.Source.to_dict``."""
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "kind": self.kind,
            "size": self.size,
            "page_count": self.page_count,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class StoredDocument:
    """A document (result) as recorded."""

    index: int
    code: str
    type: str
    pages: list[int]
    pdf_key: str | None
    pdf_sha256: str | None
    signature: dict[str, Any]
    needs_ltv: bool
    fields: dict[str, FieldValue | list[FieldValue]] = field(default_factory=dict)
    approved_at: datetime | None = None
    approved_by: str | None = None

    @property
    def pdf_filename(self) -> str:
        """The file name the PDF gets in an output folder: ``<result code>.pdf``."""
        return f"{self.code}.pdf"


@dataclass(frozen=True)
class StoredDossier:
    """A dossier as recorded, with its sources and documents."""

    id: int
    code: str
    agency: str
    day: date
    seq: int
    state: str
    failed_stage: str | None
    reason: str | None
    inputs_key: str
    created_at: datetime
    updated_at: datetime
    sources: list[StoredSource]
    documents: list[StoredDocument]

    @property
    def result_key(self) -> str:
        """Object key of the dossier's result JSON (written by the store stage)."""
        return result_json_key(self.code)

    @property
    def json_filename(self) -> str:
        """The file name the result JSON gets in an output folder: ``<dossier code>.json``."""
        return f"{self.code}.json"


def load_dossier_result(session: Session, dossier_id: int) -> StoredDossier | None:
    """Everything recorded about a dossier, or ``None`` if there is no such dossier."""
    row = session.scalars(
        select(DossierRow)
        .where(DossierRow.id == dossier_id)
        .options(
            selectinload(DossierRow.sources),
            selectinload(DossierRow.documents).selectinload(DocumentRow.fields),
        )
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None:
        return None
    return StoredDossier(
        id=row.id,
        code=row.code,
        agency=row.agency,
        day=row.day,
        seq=row.seq,
        state=row.state,
        failed_stage=row.failed_stage,
        reason=row.reason,
        inputs_key=row.inputs_key,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sources=[_source(s) for s in row.sources],
        documents=[_document(d) for d in row.documents],
    )


def _source(row: SourceRow) -> StoredSource:
    return StoredSource(
        index=row.index,
        filename=row.filename,
        sha256=row.sha256,
        kind=row.kind,
        size=row.size,
        page_count=row.page_count,
        object_key=row.object_key,
        notes=tuple(row.notes),
    )


def _document(row: DocumentRow) -> StoredDocument:
    return StoredDocument(
        index=row.index,
        code=row.code,
        type=row.type,
        pages=list(row.pages),
        pdf_key=row.pdf_key,
        pdf_sha256=row.pdf_sha256,
        signature=dict(row.signature),
        needs_ltv=row.needs_ltv,
        fields=fields_of(row),
        approved_at=row.approved_at,
        approved_by=row.approved_by,
    )
