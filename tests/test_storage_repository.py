"""Repository: dossiers seen again, states, stage runs, pages and documents that never duplicate."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from pipeline.models import FieldValue, PageResult, Source, Word
from sohoa.errors import StorageError
from storage.db import make_engine, migrate, session_scope
from storage.keys import original_key, page_image_key, result_pdf_key
from storage.repository import (
    create_dossier,
    find_dossier_by_inputs,
    get_document,
    get_dossier,
    inputs_key_for,
    load_dossier_result,
    load_page_image_keys,
    load_pages,
    load_stage_runs,
    prune_documents,
    result_code,
    save_document,
    save_page,
    set_needs_ltv,
    set_state,
    stage_done,
    stage_failed,
    stage_started,
)
from storage.tables import DossierRow, FieldRow, PageRow, SourceRow

AGENCY = "000.00.20.H40"
UNIQUE = "UNIQUE constraint failed|duplicate key"
DAY = date(2026, 3, 9)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_source(digest: str, name: str) -> Source:
    values = {"path": Path(name), "readable": Path(name), "filename": name, "sha256": digest}
    values |= {"kind": "pdf", "size": 1234, "page_count": 2, "notes": ("repaired",)}
    names = {f.name for f in dataclasses.fields(Source)}
    return Source(**{k: v for k, v in values.items() if k in names})


@pytest.fixture
def engine(db_url: str) -> Engine:
    """A migrated database: SQLite, then PostgreSQL (``db_url`` in conftest.py)."""
    migrate(db_url)
    return make_engine(db_url)


@pytest.fixture
def dossier(engine: Engine) -> DossierRow:
    shas = [sha("form"), sha("id card")]
    with session_scope(engine) as session:
        return create_dossier(
            session,
            agency=AGENCY,
            day=DAY,
            inputs_key=inputs_key_for(shas),
            sources=[make_source(shas[0], "form.pdf"), make_source(shas[1], "cccd.jpg")],
            source_keys=[original_key(s) for s in shas],
        )


def page(number: int, text: str = "Cộng hòa") -> PageResult:
    return PageResult(
        number=number,
        source="form.pdf",
        dpi=300,
        dpi_estimated=False,
        width=2480,
        height=3508,
        rotation=90,
        skew=-0.75,
        image_path=Path(f"/tmp/p{number}.jpg"),
        words=[Word(text, (10, 20, 110, 60), 0.93, 1, 0), Word("xã", (120, 20, 160, 60), 0.5, 1, 0)],
        findings=[{"code": "low_contrast", "value": 0.2}],
        ocr_confidence=0.71,
        seconds={"ocr": 1.5},
    )


FIELDS: dict[str, FieldValue | list[FieldValue]] = {
    "so_giay_to": FieldValue("012345678901", "O12345678901", 0.62, 1, (5, 6, 7, 8), "needs_review", ["ocr_fix"]),
    "chu_so_huu": [FieldValue("Nguyễn Văn A", "NGUYEN VAN A", 0.9, 2, (1, 2, 3, 4))],
    "nguoi_nhan": [],
    "ngay_cap": FieldValue(None, None, 0.0, None, None, "needs_review", ["missing"]),
}


def save_doc(engine: Engine, dossier: DossierRow, index: int = 1, fields=FIELDS, doc_type: str = "cccd") -> None:
    code = result_code(dossier.code, index)
    with session_scope(engine) as session:
        save_document(
            session,
            dossier.id,
            index=index,
            code=code,
            type=doc_type,
            pages=[1, 2],
            pdf_key=result_pdf_key(dossier.code, code),
            pdf_sha256=sha("pdf"),
            signature={"signer": "dev", "trusted": False},
            fields=fields,
        )


def test_dossier_starts_received_with_its_sources_in_order(engine: Engine, dossier: DossierRow) -> None:
    assert dossier.state == "received"
    assert dossier.code == f"{AGENCY}-260309-0001"
    with session_scope(engine) as session:
        sources = session.scalars(select(SourceRow).order_by(SourceRow.index)).all()
        assert [(s.index, s.filename, s.object_key) for s in sources] == [
            (0, "form.pdf", original_key(sha("form"))),
            (1, "cccd.jpg", original_key(sha("id card"))),
        ]
        assert sources[0].notes == ["repaired"]
        assert get_dossier(session, dossier.code).id == dossier.id


def test_same_inputs_in_any_order_are_found_as_the_same_dossier(engine: Engine, dossier: DossierRow) -> None:
    with session_scope(engine) as session:
        found = find_dossier_by_inputs(session, inputs_key_for([sha("id card"), sha("form")]))
        assert found is not None and found.code == dossier.code
        assert find_dossier_by_inputs(session, inputs_key_for([sha("form")])) is None


def test_inputs_key_must_match_the_sources(engine: Engine) -> None:
    with pytest.raises(StorageError, match="inputs_key"), session_scope(engine) as session:
        create_dossier(
            session,
            agency=AGENCY,
            day=DAY,
            inputs_key=inputs_key_for([sha("other")]),
            sources=[make_source(sha("x"), "x.pdf")],
            source_keys=[original_key(sha("x"))],
        )


def test_state_moves_and_failure_needs_stage_and_reason(engine: Engine, dossier: DossierRow) -> None:
    with session_scope(engine) as session:
        assert set_state(session, dossier, "processing").state == "processing"
        with pytest.raises(StorageError):
            set_state(session, dossier.id, "failed", reason="no stage")
        failed = set_state(session, dossier.id, "failed", stage="ocr", reason="tool_failed")
        assert (failed.state, failed.failed_stage, failed.reason) == ("failed", "ocr", "tool_failed")
        resumed = set_state(session, dossier.id, "processing")
        assert (resumed.failed_stage, resumed.reason) == (None, None)
        set_state(session, dossier.id, "approved")
        set_state(session, dossier.id, "published")
        with pytest.raises(StorageError, match="cannot go from published"):
            set_state(session, dossier.id, "processing")
    with session_scope(engine) as session:
        row = session.get(DossierRow, dossier.id)
        assert row.state == "published"
        assert row.updated_at.tzinfo is not None and row.updated_at >= row.created_at


def test_rejection_needs_a_reason(engine: Engine, dossier: DossierRow) -> None:
    with session_scope(engine) as session:
        with pytest.raises(StorageError):
            set_state(session, dossier, "rejected")
        assert set_state(session, dossier, "rejected", reason="encrypted_pdf").reason == "encrypted_pdf"


def test_stage_runs_count_attempts_and_keep_the_last_error(engine: Engine, dossier: DossierRow) -> None:
    with session_scope(engine) as session:
        assert stage_started(session, dossier.id, "ocr").attempt == 1
        failed = stage_failed(session, dossier.id, "ocr", code="tool_failed", message="tesseract timed out")
        assert (failed.state, failed.error_code, failed.finished_at is not None) == ("failed", "tool_failed", True)
        again = stage_started(session, dossier.id, "ocr")
        assert (again.attempt, again.state, again.error_code, again.finished_at) == (2, "running", None, None)
        stage_done(session, dossier.id, "ocr")
        stage_done(session, dossier.id, "pages")
    with session_scope(engine) as session:
        runs = load_stage_runs(session, dossier.id)
        assert {name: (r.state, r.attempt) for name, r in runs.items()} == {
            "ocr": ("done", 2),
            "pages": ("done", 1),
        }
        with pytest.raises(StorageError):
            stage_started(session, dossier.id, "Bad Stage")


def test_page_results_round_trip_and_saving_twice_keeps_one_row(engine: Engine, dossier: DossierRow) -> None:
    with session_scope(engine) as session:
        save_page(session, dossier.id, page(1), image_key=page_image_key(dossier.code, 1))
        save_page(session, dossier.id, page(2))
    with session_scope(engine) as session:
        save_page(session, dossier.id, page(1, text="Độc lập"))  # a re-run of page 1
    with session_scope(engine) as session:
        pages = load_pages(session, dossier.id)
        assert pages == {1: page(1, text="Độc lập"), 2: page(2)}
        assert pages[1].words[0].bbox == (10, 20, 110, 60)
        assert session.scalar(select(func.count()).select_from(PageRow)) == 2
        assert load_page_image_keys(session, dossier.id) == {1: page_image_key(dossier.code, 1), 2: None}


def test_duplicate_page_or_field_rows_are_refused_by_the_database(engine: Engine, dossier: DossierRow) -> None:
    save_doc(engine, dossier)
    with pytest.raises(StorageError, match=UNIQUE), session_scope(engine) as session:
        session.add(PageRow(dossier_id=dossier.id, number=1, result={}))
        session.add(PageRow(dossier_id=dossier.id, number=1, result={}))
    with pytest.raises(StorageError, match=UNIQUE), session_scope(engine) as session:
        doc = get_document(session, result_code(dossier.code, 1))
        session.add(FieldRow(document_id=doc.id, key="ngay_cap", position=0, confidence=1, status="extracted"))
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(PageRow)) == 0
        assert session.scalar(select(func.count()).select_from(FieldRow)) == 3


def test_saving_a_document_again_replaces_its_fields_never_duplicates(engine: Engine, dossier: DossierRow) -> None:
    save_doc(engine, dossier)
    save_doc(engine, dossier)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(FieldRow)) == 3
    fewer = {"so_giay_to": FieldValue("012345678902", None, 0.99, 1, None, "extracted")}
    save_doc(engine, dossier, fields=fewer, doc_type="cccd_2")
    with session_scope(engine) as session:
        result = load_dossier_result(session, dossier.id)
    assert [d.type for d in result.documents] == ["cccd_2"]
    assert result.documents[0].fields == fewer


def test_dossier_result_rebuilds_codes_keys_and_fields(engine: Engine, dossier: DossierRow) -> None:
    save_doc(engine, dossier, index=1)
    save_doc(engine, dossier, index=2, fields={})
    with session_scope(engine) as session:
        set_needs_ltv(session, result_code(dossier.code, 2), needs_ltv=True)
        result = load_dossier_result(session, dossier.id)
        assert load_dossier_result(session, 999) is None
    assert result.code == dossier.code
    assert result.result_key == f"dossiers/{dossier.code}/{dossier.code}.json"
    assert result.json_filename == f"{dossier.code}.json"
    assert [s.to_dict()["filename"] for s in result.sources] == ["form.pdf", "cccd.jpg"]
    first, second = result.documents
    assert first.code == f"{dossier.code}-01"
    assert first.pdf_key == f"dossiers/{dossier.code}/results/{dossier.code}-01.pdf"
    assert first.pdf_filename == f"{dossier.code}-01.pdf"
    assert first.signature == {"signer": "dev", "trusted": False}
    assert first.fields == FIELDS
    assert list(first.fields) == list(FIELDS)
    assert isinstance(first.fields["chu_so_huu"], list) and first.fields["nguoi_nhan"] == []
    assert (first.needs_ltv, second.needs_ltv) == (False, True)


def test_document_code_must_follow_the_dossier_code(engine: Engine, dossier: DossierRow) -> None:
    with pytest.raises(StorageError, match="should be"), session_scope(engine) as session:
        save_document(
            session,
            dossier.id,
            index=1,
            code="OTHER-01",
            type="x",
            pages=[1],
            pdf_key=None,
            pdf_sha256=None,
            signature={},
            fields={},
        )


def test_prune_documents_removes_parts_a_new_split_no_longer_has(engine: Engine, dossier: DossierRow) -> None:
    for index in (1, 2, 3):
        save_doc(engine, dossier, index=index)
    with session_scope(engine) as session:
        assert prune_documents(session, dossier.id, keep=[1, 2]) == 1
    with session_scope(engine) as session:
        assert [d.index for d in load_dossier_result(session, dossier.id).documents] == [1, 2]
        assert session.scalar(select(func.count()).select_from(FieldRow)) == 6  # fields cascaded


def test_session_scope_rolls_back_and_reports_database_errors_as_storage_errors(
    engine: Engine, dossier: DossierRow
) -> None:
    with pytest.raises(StorageError, match="database error"), session_scope(engine) as session:
        stage_done(session, dossier.id, "ocr")
        session.add(DossierRow(code=dossier.code, agency=AGENCY, day=DAY, seq=99, state="x", inputs_key="k"))
    with session_scope(engine) as session:
        assert load_stage_runs(session, dossier.id) == {}


def test_a_second_engine_on_the_same_file_sees_committed_rows(engine: Engine, dossier: DossierRow) -> None:
    other = make_engine(engine.url.render_as_string())
    with session_scope(other) as session:
        assert [row.code for row in session.scalars(select(DossierRow))] == [dossier.code]
    other.dispose()
