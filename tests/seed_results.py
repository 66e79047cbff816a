"""Stored dossiers with results, made through the repository as the store stage makes them.

Used by the review, results and audit tests, which need results in a database (and their signed PDF
in an object store) without running OCR.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from pipeline.models import FieldValue, Source
from storage import keys
from storage.audit_digest import AuditKey
from storage.db import session_scope
from storage.objects import ObjectStore
from storage.repository import (
    create_dossier,
    inputs_key_for,
    result_code,
    save_document,
    set_auto_approval,
    set_state,
)
from storage.tables import PageRow

AUDIT_KEY = AuditKey(b"the test installation's audit key, 32+ bytes")  # the HMAC key of the audit digests
AGENCY = "000.00.20.H40"
DAY = date(2026, 11, 28)
Fields = dict[str, FieldValue | list[FieldValue]]


def _verdict(fields: Fields) -> dict[str, object]:
    """What the store stage's approval gate would record for these fields on well-read pages."""
    items = [f for v in fields.values() for f in (v if isinstance(v, list) else [v])]
    reasons = [] if items else ["no_fields"]
    if any(f.status == "needs_review" for f in items):
        reasons.append("fields_need_review")
    return {"automatic": not reasons, "reasons": reasons}


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text if isinstance(text, bytes) else text.encode()).hexdigest()


def source(digest: str, name: str = "scan.pdf") -> Source:
    values = {"path": Path(name), "readable": Path(name), "filename": name, "sha256": digest}
    values |= {"kind": "pdf", "size": 100, "page_count": 2, "notes": ()}
    names = {f.name for f in dataclasses.fields(Source)}
    return Source(**{k: v for k, v in values.items() if k in names})  # type: ignore[arg-type]


def decision_fields(number: str = "123/QĐ-UBND", personal_id: str = "001203004567") -> Fields:
    """A decision whose number is sure and whose signer and personal ID are doubtful."""
    return {
        "number_symbol": FieldValue(number, number, 0.97, 1, (100, 200, 400, 240)),
        "signer_name": FieldValue(
            "Nguyễn Văn Bính",
            "Nguyen Van Binh",
            0.62,
            2,
            (500, 900, 800, 940),
            "needs_review",
            ["second_reading_differs"],
        ),
        "personal_id": FieldValue(personal_id, personal_id, 0.41, 1, (10, 20, 30, 40), "needs_review", ["id_checksum"]),
        "recipient": [
            FieldValue("Sở Tư pháp", "Sở Tư pháp", 0.9, 2, (1, 2, 3, 4)),
            FieldValue("Phòng Nội vụ", "Phòng Nội vụ", 0.88, 2, (5, 6, 7, 8)),
        ],
        "owners": [],
    }


def sure_fields() -> Fields:
    """A document nothing is doubtful about."""
    return {"number_symbol": FieldValue("45/TB-UBND", "45/TB-UBND", 0.99, 1, (1, 1, 9, 9))}


def seed_dossier(
    engine: Engine,
    token: str,
    documents: list[Fields],
    *,
    state: str = "needs_review",
    store: ObjectStore | None = None,
    agency: str = AGENCY,
) -> tuple[str, list[str]]:
    """A dossier in ``state`` with one stored result per entry of ``documents``: ``(code, result codes)``.

    With a ``store``, each result gets a PDF object (its bytes name the result) and the dossier its JSON,
    as the store stage writes them; the recorded ``pdf_sha256`` is the object's.
    """
    digest = sha(token)
    with session_scope(engine) as session:
        dossier = create_dossier(
            session,
            agency=agency,
            day=DAY,
            inputs_key=inputs_key_for([digest]),
            sources=[source(digest)],
            source_keys=[keys.original_key(digest)],
        )
        code, dossier_id = dossier.code, dossier.id
        for number in (1, 2):
            session.add(
                PageRow(dossier_id=dossier_id, number=number, result={}, image_key=keys.page_image_key(code, number))
            )
        set_state(session, dossier_id, "processing")
    codes, entries = [], []
    for index, fields in enumerate(documents, start=1):
        rcode = result_code(code, index)
        pdf = f"%PDF-1.7 signed result {rcode}".encode()
        pdf_sha = sha(pdf)
        if store is not None:
            pdf_sha = store.put_bytes(keys.result_pdf_key(code, rcode), pdf, content_type="application/pdf").sha256
        with session_scope(engine) as session:
            save_document(
                session,
                dossier_id,
                index=index,
                code=rcode,
                type="quyet_dinh",
                pages=[1, 2],
                pdf_key=keys.result_pdf_key(code, rcode),
                pdf_sha256=pdf_sha,
                signature={"signer": "dev", "level": "PAdES-B-B"},
                fields=fields,
            )
            set_auto_approval(session, rcode, _verdict(fields))
        codes.append(rcode)
        entries.append(
            {
                "code": rcode,
                "type": "quyet_dinh",
                "type_label": "Quyết định",
                "pages": [1, 2],
                "pdf": {"filename": f"{rcode}.pdf", "sha256": pdf_sha, "size": len(pdf)},
            }
        )
    if store is not None:
        result = {"schema": "sohoa.result/1", "dossier": {"code": code}, "documents": entries}
        store.put_bytes(keys.result_json_key(code), json.dumps(result).encode(), content_type="application/json")
    with session_scope(engine) as session:
        set_state(session, dossier_id, state)  # type: ignore[arg-type]
    return code, codes
