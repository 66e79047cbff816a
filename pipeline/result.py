"""The result JSON (``sohoa.result/1``): built from typed results, validated against the committed schema."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema

from pipeline.doctypes import by_key
from pipeline.models import DocumentResult, FieldValue, PageResult, Source

SCHEMA_ID = "sohoa.result/1"


@lru_cache(maxsize=1)
def result_schema() -> dict[str, Any]:
    """The JSON Schema shipped with the package (pipeline/result.schema.json)."""
    return json.loads(resources.files("pipeline").joinpath("result.schema.json").read_text("utf-8"))


def validate_result(data: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` when ``data`` does not follow the schema."""
    jsonschema.validate(data, result_schema())


def fields_to_dict(fields: dict[str, FieldValue | list[FieldValue]]) -> dict[str, Any]:
    return {k: [f.to_dict() for f in v] if isinstance(v, list) else v.to_dict() for k, v in fields.items()}


def document_to_dict(
    code: str, doc: DocumentResult, *, pdf_name: str, pdf_sha256: str, pdf_size: int, signature: dict[str, Any] | None
) -> dict[str, Any]:
    """One entry of ``documents``."""
    return {
        "code": code,
        "type": doc.type,
        "type_label": by_key(doc.type).label,
        "pages": doc.pages,
        "pdf": {"filename": pdf_name, "sha256": pdf_sha256, "size": pdf_size},
        "signature": signature,
        "fields": fields_to_dict(doc.fields),
    }


def build_result(
    *,
    dossier_code: str,
    state: str,
    agency: str,
    received_at: str,
    sources: list[Source],
    pages: list[PageResult],
    documents: list[dict[str, Any]],
    generator: str,
) -> dict[str, Any]:
    """The whole result document, validated before it is returned."""
    data = {
        "schema": SCHEMA_ID,
        "generator": generator,
        "dossier": {
            "code": dossier_code,
            "state": state,
            "agency": agency,
            "received_at": received_at,
            "sources": [s.to_dict() for s in sources],
        },
        "pages": [p.to_dict() for p in sorted(pages, key=lambda p: p.number)],
        "documents": documents,
    }
    validate_result(data)
    return data
