"""A processed dossier against its procedure, on a real results database: the same person's approved
results are offered for a missing component, an attached one fills it, and the result JSON stays valid."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from seed_results import decision_fields, seed_dossier, sha, sure_fields
from sqlalchemy import Engine, update

from pipeline.procedure_catalogue import find_procedure, load_catalogue
from pipeline.result import validate_result
from sohoa.settings import load_settings
from storage import keys
from storage.db import session_scope
from storage.local import LocalFolderStore
from storage.tables import DocumentRow
from workers.context import Context
from workers.desk import receipt_procedure
from workers.procedure_reception import against_procedure, record_procedure, stored_procedure
from workers.results import attach_result

BIRTH = find_procedure(load_catalogue(), "1.001193")
PERSON = "001203004567"


@pytest.fixture
def ctx(engine: Engine, tmp_path: Path) -> Context:
    settings = load_settings(data_dir=tmp_path / "data")
    return Context(settings, LocalFolderStore(tmp_path / "data" / "objects"), engine)


def _retype(engine: Engine, code: str, type_: str) -> None:
    with session_scope(engine) as s:
        s.execute(update(DocumentRow).where(DocumentRow.code == code).values(type=type_))


def _field(value: str) -> dict[str, Any]:
    return {
        "value": value,
        "raw": value,
        "confidence": 0.99,
        "page": 1,
        "bbox": [1, 1, 9, 9],
        "status": "extracted",
        "reasons": [],
    }


def _result(dossier: str, codes: list[str], types: list[str]) -> dict[str, Any]:
    """A result JSON of a new dossier holding a declaration by ``PERSON`` and the other ``types``."""
    docs = [
        {
            "code": c,
            "type": t,
            "pages": [1],
            "pdf": {"filename": f"{c}.pdf", "sha256": sha(c)},
            "fields": {"personal_id": _field(PERSON)} if t == "declaration" else {},
        }
        for c, t in zip(codes, types, strict=True)
    ]
    return {
        "schema": "sohoa.result/1",
        "dossier": {
            "code": dossier,
            "state": "needs_review",
            "sources": [{"filename": "scan.pdf", "sha256": sha(dossier), "page_count": 1}],
        },
        "pages": [],
        "documents": docs,
    }


@pytest.fixture
def earlier_id_card(ctx: Context) -> str:
    """An approved ID card result of ``PERSON`` in an earlier dossier."""
    _, (card,) = seed_dossier(
        ctx.engine, "old", [decision_fields(personal_id=PERSON)], state="approved", store=ctx.store
    )
    _retype(ctx.engine, card, "id_card")
    return card


def test_the_same_persons_approved_id_card_is_offered_for_the_missing_component(
    ctx: Context, earlier_id_card: str
) -> None:
    code, docs = seed_dossier(ctx.engine, "new", [sure_fields(), sure_fields()], store=ctx.store)
    result = against_procedure(ctx, _result(code, docs, ["declaration", "confirmation"]), BIRTH)
    validate_result(result)
    reception = result["procedure"]
    assert reception["missing"] == ["giay_to_tuy_than"] and not reception["complete"]
    card = next(c for c in reception["components"] if c["key"] == "giay_to_tuy_than")
    assert card["status"] == "missing" and card["reusable"] == [earlier_id_card]
    assert [d["component"] for d in result["documents"]] == ["to_khai", "giay_chung_sinh"]
    assert earlier_id_card in reception["findings"][0]["message"]


def test_a_result_attached_to_the_dossier_fills_the_component(ctx: Context, earlier_id_card: str) -> None:
    code, docs = seed_dossier(ctx.engine, "new", [sure_fields(), sure_fields()], store=ctx.store)
    attach_result(ctx, code, earlier_id_card, by="tiep-nhan")
    reception = against_procedure(ctx, _result(code, docs, ["declaration", "confirmation"]), BIRTH)["procedure"]
    card = next(c for c in reception["components"] if c["key"] == "giay_to_tuy_than")
    assert reception["complete"] and card["status"] == "reused" and card["reused"] == [earlier_id_card]


def test_a_result_waiting_for_review_is_not_offered(ctx: Context) -> None:
    _, (card,) = seed_dossier(ctx.engine, "old", [decision_fields(personal_id=PERSON)], store=ctx.store)
    _retype(ctx.engine, card, "id_card")
    code, docs = seed_dossier(ctx.engine, "new", [sure_fields()], store=ctx.store)
    reception = against_procedure(ctx, _result(code, docs, ["declaration"]), BIRTH)["procedure"]
    assert all(c["reusable"] == [] for c in reception["components"])


def test_the_procedure_is_recorded_once_and_the_receipt_names_the_reused_result(
    ctx: Context, earlier_id_card: str
) -> None:
    code, docs = seed_dossier(ctx.engine, "new", [sure_fields()], store=ctx.store)
    ctx.store.erase(keys.result_json_key(code))  # the whole result JSON, as the store stage writes it
    stored = json.dumps(_result(code, docs, ["declaration"])).encode()
    ctx.store.put_bytes(keys.result_json_key(code), stored, content_type="application/json")
    attach_result(ctx, code, earlier_id_card, by="tiep-nhan")
    first = record_procedure(ctx, code, BIRTH)
    assert first.code == BIRTH.code and first.due_on is not None and first.finding() is None
    other = find_procedure(load_catalogue(), "1.004194")
    again = record_procedure(ctx, code, other)
    assert (again.code, again.due_on, again.refused) == (BIRTH.code, first.due_on, other.code)
    assert again.finding()["code"] == "procedure_kept" and stored_procedure(ctx, code) == (BIRTH.code, first.due_on)

    block = receipt_procedure(ctx, code)  # processed before the procedure was chosen: checked now
    assert block is not None and block["processed"] and block["code"] == BIRTH.code
    card = next(c for c in block["components"] if c["key"] == "giay_to_tuy_than")
    assert card["status"] == "reused" and earlier_id_card in card["label"]
    labels = {c["key"]: c["label"] for c in block["components"]}
    assert labels["to_khai"] == "Đã nhận" and labels["giay_chung_sinh"] == "Thiếu"
