"""Results for reuse: found by personal ID, document number or content hash; shown and exported as they are now.

Every test runs on SQLite and on a real PostgreSQL server (``db_url`` in conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from seed_results import AUDIT_KEY, decision_fields, seed_dossier, sha, sure_fields
from sqlalchemy import Engine, update

from sohoa.errors import BadInput, IntegrityError
from sohoa.settings import load_settings
from storage.db import session_scope
from storage.local import LocalFolderStore
from storage.tables import DocumentRow
from workers.context import Context
from workers.results import UnknownResult, export_result, search_results, show_result
from workers.review import set_field


@pytest.fixture
def ctx(engine: Engine, tmp_path: Path) -> Context:
    settings = load_settings(data_dir=tmp_path / "data")
    return Context(settings, LocalFolderStore(tmp_path / "data" / "objects"), engine)


@pytest.fixture
def stored(ctx: Context) -> tuple[str, list[str]]:
    """Two dossiers: one with a decision and a notice, one with another decision of the same person."""
    first = seed_dossier(ctx.engine, "a", [decision_fields(), sure_fields()], store=ctx.store)
    seed_dossier(ctx.engine, "b", [decision_fields(number="7/QĐ-UBND")], store=ctx.store)
    return first


def codes(found) -> list[str]:
    return [r.code for r in found]


def test_search_by_personal_id_finds_every_result_of_that_person(ctx: Context, stored) -> None:
    dossier, (first, _) = stored
    found = search_results(
        ctx.engine, personal_id="001 203 004 567", by="reader", audit_key=AUDIT_KEY
    )  # typed with spaces
    assert codes(found) == [first, "000.00.20.H40-261128-0002-01"]
    assert (found[0].matched, found[0].dossier, found[0].state, found[0].type) == (
        "personal_id",
        dossier,
        "needs_review",
        "quyet_dinh",
    )
    assert search_results(ctx.engine, personal_id="001203004560", by="reader", audit_key=AUDIT_KEY) == []
    with pytest.raises(BadInput, match="digits only"):
        search_results(ctx.engine, personal_id="abc", by="reader", audit_key=AUDIT_KEY)


def test_search_finds_a_corrected_value_not_the_misread_one(ctx: Context, stored) -> None:
    _, (first, _) = stored
    set_field(ctx.engine, first, "personal_id", "001203004999", by="lan", audit_key=AUDIT_KEY)
    assert codes(search_results(ctx.engine, personal_id="001203004999", by="reader", audit_key=AUDIT_KEY)) == [first]
    assert first not in codes(search_results(ctx.engine, personal_id="001203004567", by="reader", audit_key=AUDIT_KEY))


def test_search_by_document_number_ignores_case_and_spacing(ctx: Context, stored) -> None:
    _, (first, second) = stored
    assert codes(search_results(ctx.engine, number="123/QĐ-UBND", by="reader", audit_key=AUDIT_KEY)) == [first]
    assert codes(search_results(ctx.engine, number="  45/tb-ubnd ", by="reader", audit_key=AUDIT_KEY)) == [second]
    assert search_results(ctx.engine, number="999/QĐ-UBND", by="reader", audit_key=AUDIT_KEY) == []


def test_search_by_sha256_of_a_signed_pdf_or_of_a_scanned_input(ctx: Context, stored) -> None:
    _, (first, second) = stored
    pdf = show_result(ctx.engine, second).pdf_sha256
    found = search_results(ctx.engine, sha256=pdf.upper(), by="reader", audit_key=AUDIT_KEY)
    assert [(r.code, r.matched) for r in found] == [(second, "pdf_sha256")]
    by_source = search_results(
        ctx.engine, sha256=sha("a"), by="reader", audit_key=AUDIT_KEY
    )  # the dossier's input file
    assert [(r.code, r.matched) for r in by_source] == [(first, "source_sha256"), (second, "source_sha256")]
    with pytest.raises(BadInput, match="64 hexadecimal"):
        search_results(ctx.engine, sha256="abc", by="reader", audit_key=AUDIT_KEY)


def test_search_needs_exactly_one_criterion(ctx: Context) -> None:
    with pytest.raises(BadInput, match="đúng một"):
        search_results(ctx.engine, by="reader", audit_key=AUDIT_KEY)
    with pytest.raises(BadInput, match="đúng một"):
        search_results(ctx.engine, personal_id="1", number="2", by="reader", audit_key=AUDIT_KEY)


def test_show_gives_type_state_pdf_fields_and_revisions(ctx: Context, stored) -> None:
    dossier, (first, _) = stored
    set_field(ctx.engine, first, "personal_id", "001203004568", by="lan", reason="đối chiếu thẻ", audit_key=AUDIT_KEY)
    data = show_result(ctx.engine, first).to_dict()
    assert (data["code"], data["type"], data["state"], data["dossier"]) == (
        first,
        "quyet_dinh",
        "needs_review",
        {"code": dossier, "state": "needs_review"},
    )
    assert data["pdf"]["key"] == f"dossiers/{dossier}/results/{first}.pdf"
    assert data["fields"]["personal_id"]["status"] == "corrected"
    assert data["fields"]["recipient"][1]["value"] == "Phòng Nội vụ"
    (rev,) = data["revisions"]
    assert (rev["field"], rev["old"], rev["new"], rev["by"], rev["reason"]) == (
        "personal_id",
        "001203004567",
        "001203004568",
        "lan",
        "đối chiếu thẻ",
    )
    with pytest.raises(UnknownResult):
        show_result(ctx.engine, "nope")


def test_export_writes_the_signed_pdf_and_the_result_json_with_current_fields(
    ctx: Context, stored, tmp_path: Path
) -> None:
    dossier, (first, _) = stored
    set_field(ctx.engine, first, "signer_name", "Nguyễn Văn Bình", by="lan", audit_key=AUDIT_KEY)
    out = tmp_path / "out"
    files = export_result(ctx, first, out, by="reader")
    assert files == [out / f"{first}.pdf", out / f"{first}.json"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in files)  # nothing else left behind
    pdf = files[0].read_bytes()
    data = json.loads(files[1].read_text("utf-8"))
    assert data["pdf"]["sha256"] == sha(pdf) == show_result(ctx.engine, first).pdf_sha256
    assert (data["code"], data["type_label"], data["pdf"]["filename"]) == (first, "Quyết định", f"{first}.pdf")
    assert data["fields"]["signer_name"]["value"] == "Nguyễn Văn Bình"
    assert data["fields"]["signer_name"]["status"] == "corrected"
    assert (data["state"], data["dossier"]["code"]) == ("needs_review", dossier)


def test_export_refuses_a_pdf_that_is_not_the_one_recorded(ctx: Context, stored, tmp_path: Path) -> None:
    _, (first, _) = stored
    with session_scope(ctx.engine) as session:
        session.execute(update(DocumentRow).where(DocumentRow.code == first).values(pdf_sha256="0" * 64))
    with pytest.raises(IntegrityError):
        export_result(ctx, first, tmp_path / "out", by="reader")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_result_is_attached_to_a_later_dossier_once_and_audited(ctx: Context) -> None:
    from storage.repository import load_audit
    from workers.results import attach_result, attached_results

    _, (decision, _) = seed_dossier(ctx.engine, "old", [decision_fields(), sure_fields()], store=ctx.store)
    later, _ = seed_dossier(ctx.engine, "new", [sure_fields()], store=ctx.store)
    assert attach_result(ctx, later, decision, by="tiep-nhan") is True
    assert attach_result(ctx, later, decision, by="tiep-nhan") is False  # idempotent
    assert attached_results(ctx.engine, later) == [decision]
    with session_scope(ctx.engine) as s:
        entries = [e for e in load_audit(s, subject=later) if e.action == "result.attached"]
    assert len(entries) == 1 and entries[0].payload == {"result": decision}


def test_attaching_refuses_an_unknown_result_its_own_dossier_and_a_corrupted_pdf(ctx: Context) -> None:
    from workers.results import attach_result

    first, (decision, _) = seed_dossier(ctx.engine, "own", [decision_fields(), sure_fields()], store=ctx.store)
    later, _ = seed_dossier(ctx.engine, "next", [sure_fields()], store=ctx.store)
    with pytest.raises(BadInput):
        attach_result(ctx, later, "000.00.20.H40-261128-9999-01", by="x")
    with pytest.raises(BadInput):
        attach_result(ctx, first, decision, by="x")
    pdf = next(p for p in (ctx.settings.data_dir / "objects").rglob(f"{decision}.pdf") if p.is_file())
    pdf.write_bytes(pdf.read_bytes() + b"tampered")
    with pytest.raises(IntegrityError):
        attach_result(ctx, later, decision, by="x")
