"""Finding results for reuse: by a field's value (personal ID, document number) or by a content hash.

Each lookup is one indexed equality: ``fields.value`` (hash index on PostgreSQL), ``documents.pdf_sha256``
and ``dossier_sources.sha256``. Which field keys hold a personal ID or a document number is data
(``PERSONAL_ID_KEYS``, ``NUMBER_KEYS``), so a new document type's key is one line here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from sohoa.errors import StorageError
from storage.tables import DocumentRow, FieldRow, SourceRow

PERSONAL_ID_KEYS: tuple[str, ...] = ("personal_id",)
NUMBER_KEYS: tuple[str, ...] = ("number_symbol",)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SPACES = re.compile(r"\s+")
_ID_SEPARATORS = re.compile(r"[\s.\-]+")


def personal_id_query(text: str) -> str:
    """A typed personal ID as stored: digits only (``001 234 567 890`` and ``001.234.567.890`` too)."""
    cleaned = _ID_SEPARATORS.sub("", text)
    if not cleaned.isdigit():
        raise StorageError("a personal ID has digits only (spaces, dots and dashes between them are ignored)")
    return cleaned


def number_queries(text: str) -> list[str]:
    """The spellings of a typed document number to look for: NFC, spaces collapsed, and upper case
    (``123/qđ-ubnd`` is ``123/QĐ-UBND``)."""
    cleaned = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if not cleaned:
        raise StorageError("a document number cannot be empty")
    return list(dict.fromkeys([cleaned, cleaned.upper()]))


def documents_by_field(session: Session, keys: Collection[str], values: Collection[str]) -> list[DocumentRow]:
    """Documents holding one of ``values`` in a field named one of ``keys`` (repeated items count)."""
    ids = select(FieldRow.document_id).where(FieldRow.value.in_(list(values)), FieldRow.key.in_(list(keys)))
    return list(session.scalars(select(DocumentRow).where(DocumentRow.id.in_(ids)).order_by(DocumentRow.code)))


def documents_by_sha256(session: Session, sha256: str) -> list[DocumentRow]:
    """Documents whose signed PDF has this sha256, or which come from a dossier with this source file."""
    digest = sha256.strip().lower()
    if not _SHA256.fullmatch(digest):
        raise StorageError("a sha256 is 64 hexadecimal characters")
    from_source = select(SourceRow.dossier_id).where(SourceRow.sha256 == digest)
    stmt = (
        select(DocumentRow)
        .where((DocumentRow.pdf_sha256 == digest) | DocumentRow.dossier_id.in_(from_source))
        .order_by(DocumentRow.code)
    )
    return list(session.scalars(stmt))
