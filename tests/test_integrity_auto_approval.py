"""Issue 11, item 4: never auto-approve what nobody read.

sohoa approves a result by itself only when the reading is sound end to end (``pipeline.approval_gate``):
any field, a known type, every page read (not blank, not from a repaired file, confident OCR, no reception
warning), nothing missing or flagged, not a signed input passed through, and ``SOHOA_AUTO_APPROVE`` on.
The result JSON says why it was or was not approved by sohoa.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pikepdf
import pytest

from pipeline.approval_gate import flag_unreadable_pages, judge, page_problems, page_unreadable
from pipeline.models import DocumentResult, FieldValue, PageResult, Word
from samples.generator import generate_dossier
from tests.conftest import SOHOA

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "dossiers" / "quyet-dinh" / "scan.pdf"


def _page(*, confidence: float = 0.92, findings: list[dict] | None = None, words: int = 50) -> PageResult:
    page = PageResult(1, "scan.pdf", 200, False, 1654, 2339, 0, 0.0, Path("p.jpg"))
    page.words = [Word("chữ", (10, 10 + i, 40, 20 + i), confidence, i) for i in range(words)]
    page.ocr_confidence = confidence if words else 0.0
    page.findings = findings or []
    return page


def _doc(fields: dict | None = None, *, type: str = "decision", pages: tuple[int, ...] = (1,)) -> DocumentResult:
    if fields is None:
        fields = {"number_symbol": FieldValue("12/QĐ-UBND", "12/QĐ-UBND", 0.95, 1, (1, 2, 3, 4))}
    return DocumentResult(1, type, list(pages), fields)


def test_a_sound_reading_is_approved_automatically() -> None:
    verdict = judge(_doc(), {1: _page()})
    assert verdict.automatic and verdict.reasons == ()


@pytest.mark.parametrize(
    ("doc", "page", "reason"),
    [
        (_doc({}), _page(), "no_fields"),
        (_doc(type="other"), _page(), "type_other"),
        (_doc(), _page(words=0, findings=[{"code": "blank_page", "severity": "warning", "message": ""}]), "blank_page"),
        (_doc(), _page(confidence=0.56), "low_ocr_confidence"),
        (_doc(), _page(findings=[{"code": "blurred", "severity": "warning", "message": ""}]), "reception_finding"),
        (
            _doc({"x": FieldValue(None, None, 0.0, None, None, "needs_review", ["missing"])}),
            _page(),
            "missing_required_field",
        ),
        (
            _doc({"x": FieldValue("a", "a", 0.9, 1, None, "needs_review", ["not_in_vocabulary"])}),
            _page(),
            "fields_need_review",
        ),
    ],
)
def test_what_nobody_read_is_never_auto_approved(doc: DocumentResult, page: PageResult, reason: str) -> None:
    verdict = judge(doc, {1: page})
    assert not verdict.automatic and reason in verdict.reasons


def test_a_note_of_the_reception_check_does_not_block_but_a_warning_does() -> None:
    rotated = [{"code": "rotated", "severity": "info", "message": "đã xoay lại"}]
    assert judge(_doc(), {1: _page(findings=rotated)}).automatic


def test_repaired_sources_signed_inputs_and_the_setting_block_auto_approval() -> None:
    assert "repaired_source" in judge(_doc(), {1: _page()}, repaired_sources=frozenset({0})).reasons
    assert "signed_input" in judge(_doc(), {1: _page()}, signed_input=True).reasons
    assert judge(_doc(), {1: _page()}, enabled=False).reasons == ("disabled",)


def test_a_field_read_from_a_page_sohoa_could_not_read_is_never_extracted() -> None:
    doc = _doc()
    bad = [p.number for p in [_page(confidence=0.5)] if page_problems(p, repaired=False)]
    flag_unreadable_pages(doc, bad)
    field = doc.fields["number_symbol"]
    assert field.status == "needs_review" and "page_unreadable" in field.reasons  # type: ignore[union-attr]


LOW_RES = {"code": "low_resolution", "severity": "error", "message": "", "value": 166}


def test_a_photo_under_the_standard_that_reads_soundly_keeps_its_fields_flags_but_waits_for_a_reviewer() -> None:
    page = _page(findings=[LOW_RES, {"code": "dpi_mismatch", "severity": "info", "message": ""}])
    assert not page_unreadable(page, repaired=False)
    assert "reception_finding" in judge(_doc(), {1: page}).reasons  # the desk is still asked to rescan


@pytest.mark.parametrize(
    "page",
    [
        _page(confidence=0.86, findings=[LOW_RES]),  # read less surely than an office scan
        _page(findings=[LOW_RES], words=5),  # too few words to judge the reading
        _page(findings=[{"code": "blurred", "severity": "error", "message": ""}]),
        _page(findings=[LOW_RES, {"code": "blurred", "severity": "warning", "message": ""}]),
        _page(findings=[LOW_RES, {"code": "cut_off", "severity": "error", "message": ""}]),  # text may be lost
        _page(findings=[{"code": "too_dark", "severity": "warning", "message": ""}]),
        _page(confidence=0.5),
    ],
)
def test_a_page_with_any_other_problem_sends_every_field_to_review(page: PageResult) -> None:
    assert page_unreadable(page, repaired=False)


def test_garbage_overrules_confidence_on_a_photo_under_the_standard() -> None:
    page = _page(findings=[LOW_RES])
    page.words[:10] = [Word("ư—.—e", (0, 0, 9, 9), 0.95, 0)] * 10  # 20 % debris read confidently
    assert page_unreadable(page, repaired=False)


def _process(env: dict[str, str], out: Path, *inputs: Path) -> dict:
    run = subprocess.run([SOHOA, "process", *map(str, inputs), "--out", str(out), "--json"], env=env,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.slow
def test_result_json_says_why_it_was_or_was_not_auto_approved(tmp_path: Path, data_env: dict[str, str]) -> None:
    result = _process(data_env, tmp_path / "out", SAMPLE)
    [doc] = result["documents"]
    assert doc["approval"]["automatic"] is True and doc["approval"]["reasons"] == []
    assert result["dossier"]["state"] == "published"

    off = dict(data_env, SOHOA_AUTO_APPROVE="false", SOHOA_DATA_DIR=str(tmp_path / "data-off"))
    result = _process(off, tmp_path / "out-off", SAMPLE)
    [doc] = result["documents"]
    assert doc["approval"] == {"automatic": False, "reasons": ["disabled"], "approved_by": None}
    assert result["dossier"]["state"] == "needs_review"


@pytest.mark.slow
def test_a_blank_page_is_never_published_with_no_fields(tmp_path: Path, data_env: dict[str, str]) -> None:
    scan = generate_dossier(tmp_path / "in", seed=4, kinds=("trang_trang",), fmt="pdf", dpi=150, defects="clean")
    result = _process(data_env, tmp_path / "out", scan)
    [doc] = result["documents"]
    assert result["dossier"]["state"] == "needs_review"
    assert {"no_fields", "type_other", "blank_page"} <= set(doc["approval"]["reasons"])


@pytest.mark.slow
def test_a_page_read_with_low_confidence_sends_its_fields_to_review(tmp_path: Path, data_env: dict[str, str]) -> None:
    strict = dict(data_env, SOHOA_MIN_PAGE_CONFIDENCE="0.99")  # this page reads at ~0.95: "low" for this office
    result = _process(strict, tmp_path / "out", SAMPLE)
    [doc] = result["documents"]
    assert result["dossier"]["state"] == "needs_review"
    assert "low_ocr_confidence" in doc["approval"]["reasons"]
    statuses = {k: (v["status"], v["reasons"]) for k, v in doc["fields"].items() if v["page"] == 1}
    assert statuses and all(s == "needs_review" and "page_unreadable" in r for s, r in statuses.values())


@pytest.mark.slow
def test_a_repaired_pdf_is_never_auto_approved(tmp_path: Path, data_env: dict[str, str]) -> None:
    with pikepdf.open(SAMPLE) as pdf:
        pdf.save(tmp_path / "plain.pdf", object_stream_mode=pikepdf.ObjectStreamMode.disable)
    data = (tmp_path / "plain.pdf").read_bytes()
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(data[: data.rfind(b"xref")] + b"xref\n0 999\ngarbage\ntrailer\n<<>>\nstartxref\n12\n%%EOF\n")
    result = _process(data_env, tmp_path / "out", damaged)
    [doc] = result["documents"]
    assert result["dossier"]["state"] == "needs_review" and "repaired_source" in doc["approval"]["reasons"]
