"""End to end: generated scans through `sohoa process` to signed searchable PDFs and a valid result JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from pipeline.normalize import day_month_ambiguous
from pipeline.result import validate_result
from samples.cer import cer, strip_stamp
from samples.defects import DefectSpec
from samples.generator import generate_dossier, load_truth
from signing.verify import pdfsig_verdicts, verify_pdf
from sohoa.settings import Settings
from storage import repository
from storage.db import make_engine, session_scope
from tests.conftest import SOHOA

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# Raw Tesseract reads these office pages at CER 0.01-0.06 (benchmarks/slice.py); the text layer must
# stay in that class. 0.08 leaves room for a seal over the signer block without hiding a broken layer
# (a misplaced or missing layer scores > 0.5).
PAGE_CER_BOUND = 0.08
EXACT = ("number_symbol", "issue_date", "personal_id", "birth_date", "gender", "phone")
# Free text may carry an OCR slip (a wrong tone mark); together they must read at CER <= 0.05.
FREE_TEXT = ("issuing_agency", "place", "subject", "signer_title", "signer_name", "full_name", "address")


def _process(inputs: list[Path], out: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], Any]:
    proc = subprocess.run(
        [SOHOA, "process", *map(str, inputs), "--out", str(out), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    return proc, json.loads(proc.stdout) if proc.returncode == 0 else None


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three dossiers, processed once for all tests of this module."""
    import os

    base = tmp_path_factory.mktemp("e2e")
    env = dict(os.environ, SOHOA_DATA_DIR=str(base / "data"))
    cases: dict[str, Any] = {}
    decision = base / "decision"
    shutil.copytree(ROOT / "samples" / "dossiers" / "quyet-dinh", decision)
    rotated = base / "rotated"
    generate_dossier(
        rotated,
        seed=41,
        kinds=("cong_van",),
        fmt="tiff",
        dpi=200,
        defects=DefectSpec(rotation=90, skew=2.0, noise=3.0, seal=True, signature=True),
    )
    person = base / "person"
    generate_dossier(person, seed=7, kinds=("giay_xac_nhan",), fmt="jpeg", dpi=200, defects="office")
    for name, folder in (("decision", decision), ("rotated", rotated), ("person", person)):
        truth = load_truth(folder / "truth.json")
        inputs = [folder / truth["input"]]
        proc, result = _process(inputs, folder / "out", env)
        cases[name] = {"proc": proc, "result": result, "truth": truth, "inputs": inputs, "out": folder / "out"}
    cases["env"] = env
    return cases


CASES = ("decision", "rotated", "person")


@pytest.mark.parametrize("case", CASES)
def test_exit_0_and_json_follows_the_schema(runs: dict[str, Any], case: str) -> None:
    run = runs[case]
    assert run["proc"].returncode == 0, run["proc"].stderr
    validate_result(run["result"])
    on_disk = json.loads((run["out"] / f"{run['result']['dossier']['code']}.json").read_text("utf-8"))
    assert on_disk["documents"] == run["result"]["documents"]


@pytest.mark.parametrize("case", CASES)
def test_fields_equal_the_truth(runs: dict[str, Any], case: str) -> None:
    run = runs[case]
    fields = run["result"]["documents"][0]["fields"]
    truth = run["truth"]["documents"][0]["fields"]
    checked = 0
    for key in EXACT:
        if key in truth and key in fields:
            assert fields[key]["value"] == truth[key], key
            swappable = day_month_ambiguous(fields[key]["raw"] or "")  # a digits-only date waits for a person
            assert fields[key]["reasons"] == (["day_month_ambiguous"] if swappable else []), key
            checked += 1
    want, got = [], []
    for key in FREE_TEXT:
        if key in truth and key in fields:
            assert cer(truth[key], fields[key]["value"] or "") <= 0.25, (key, fields[key]["value"], truth[key])
            want.append(truth[key])
            got.append(fields[key]["value"] or "")
            checked += 1
    assert cer("\n".join(want), "\n".join(got)) <= 0.05
    assert checked >= 5
    for value in fields.values():
        assert (value["page"] == 1 and value["bbox"] is not None) or value["value"] is None


@pytest.mark.parametrize("case", CASES)
def test_text_layer_reads_like_the_truth(runs: dict[str, Any], case: str) -> None:
    run = runs[case]
    pdf = run["out"] / run["result"]["documents"][0]["pdf"]["filename"]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    reference = "\n".join(line for page in run["truth"]["pages"] for line in page["lines"])
    assert cer(reference, strip_stamp(text)) <= PAGE_CER_BOUND


def test_pages_are_upright_and_straight(runs: dict[str, Any]) -> None:
    page = runs["rotated"]["result"]["pages"][0]
    assert page["rotation"] == 270  # fed 90° clockwise, turned back
    assert abs(page["skew"] + 2.0) <= 0.3
    assert page["dpi"] == 200 and not page["dpi_estimated"]
    assert any(f["code"] == "rotated" for f in page["findings"])


@pytest.mark.parametrize("case", CASES)
def test_pdf_is_clean_and_the_signature_validates(runs: dict[str, Any], case: str) -> None:
    run = runs[case]
    pdf = run["out"] / run["result"]["documents"][0]["pdf"]["filename"]
    assert subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True).returncode == 0
    root = Path(run["proc"].args[0]).parent  # unused; keeps mypy quiet about proc
    del root
    keys = Settings(data_dir=Path(runs["env"]["SOHOA_DATA_DIR"])).keys_dir
    reports = verify_pdf(pdf, trust_roots=[keys / "dev-signer" / "root.pem"])
    # the digitization signature, and the approval signature when sohoa approved the result itself
    approved = run["result"]["documents"][0]["signature"].get("approval") is not None
    assert [r.kind for r in reports] == (["digitization", "approval"] if approved else ["digitization"])
    for report in reports:
        assert report.intact and report.valid and report.trusted and report.bottom_line
        assert report.development  # the demo key says it has no legal value
    assert pdfsig_verdicts(pdf) == ["Signature is Valid."] * len(reports)
    assert not any(r.trusted for r in verify_pdf(pdf))


def test_a_flipped_byte_in_the_signed_range_fails_validation(runs: dict[str, Any], tmp_path: Path) -> None:
    run = runs["decision"]
    pdf = run["out"] / run["result"]["documents"][0]["pdf"]["filename"]
    data = bytearray(pdf.read_bytes())
    i = data.index(b"/DCTDecode") + 2000  # inside the page image, well within the first signed range
    data[i] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(data))
    reports = verify_pdf(tampered)
    assert all(not r.intact and not r.bottom_line for r in reports)
    assert set(pdfsig_verdicts(tampered)) == {"Digest Mismatch."}


@pytest.mark.parametrize("case", CASES)
def test_stamp_sits_in_the_top_margin_and_covers_no_word(runs: dict[str, Any], case: str) -> None:
    run = runs[case]
    doc = run["result"]["documents"][0]
    pdf = run["out"] / doc["pdf"]["filename"]
    with pikepdf.open(pdf) as p:
        page = p.pages[0]
        height = float(page.mediabox[3])
        widgets = [a for a in page.Annots if a.get("/Subtype") == "/Widget"]
        x0, y0, x1, y1 = (float(v) for v in widgets[0].Rect)
    top = (x0, height - y1, x1, height - y0)  # to top-left origin, points
    assert top[1] < height * 0.12  # in the top margin
    engine = make_engine(Settings(data_dir=Path(runs["env"]["SOHOA_DATA_DIR"])).effective_database_url)
    with session_scope(engine) as s:
        dossier = repository.get_dossier(s, run["result"]["dossier"]["code"])
        assert dossier is not None
        words = repository.load_pages(s, dossier.id)[1].words
    dpi = run["result"]["pages"][0]["dpi"]
    for w in words:
        bx = tuple(v * 72.0 / dpi for v in w.bbox)
        overlap = min(top[2], bx[2]) > max(top[0], bx[0]) and min(top[3], bx[3]) > max(top[1], bx[1])
        assert not overlap, (w.text, bx, top)


def test_the_same_dossier_twice_is_recognized(runs: dict[str, Any], tmp_path: Path) -> None:
    run = runs["decision"]
    proc, again = _process(run["inputs"], tmp_path / "again", runs["env"])
    assert proc.returncode == 0, proc.stderr
    assert again["dossier"]["code"] == run["result"]["dossier"]["code"]
    assert again["dossier"].get("already_seen") is True
    assert again["documents"][0]["pdf"]["sha256"] == run["result"]["documents"][0]["pdf"]["sha256"]
    first = run["out"] / run["result"]["documents"][0]["pdf"]["filename"]
    second = tmp_path / "again" / run["result"]["documents"][0]["pdf"]["filename"]
    assert first.read_bytes() == second.read_bytes()
    engine = make_engine(Settings(data_dir=Path(runs["env"]["SOHOA_DATA_DIR"])).effective_database_url)
    with session_scope(engine) as s:
        from sqlalchemy import func, select

        from storage.tables import DossierRow

        assert s.scalar(select(func.count()).select_from(DossierRow)) == len(CASES)


def test_originals_are_stored_byte_exact(runs: dict[str, Any]) -> None:
    objects = Path(runs["env"]["SOHOA_DATA_DIR"]) / "objects" / "originals"
    for case in CASES:
        given = runs[case]["inputs"][0]
        files = sorted(p for p in given.rglob("*") if p.is_file()) if given.is_dir() else [given]
        sources = runs[case]["result"]["dossier"]["sources"]
        assert [s["filename"] for s in sources] == [f.name for f in files]
        for source, original in zip(sources, files, strict=True):
            stored = [p for p in objects.rglob(source["sha256"]) if p.is_file()]
            assert stored and stored[0].read_bytes() == original.read_bytes()


def test_results_sohoa_approves_are_published_with_their_fields_embedded(runs: dict[str, Any]) -> None:
    """Approval publishes (DESIGN.md): a result with no doubtful field leaves processing already published,
    its approved fields embedded and signed by the approval signature; one still waiting is not."""
    from signing.approval import read_embedded_fields

    seen = {"published": 0, "waiting": 0}
    for case in CASES:
        result = runs[case]["result"]
        for doc in result["documents"]:
            pdf = runs[case]["out"] / doc["pdf"]["filename"]
            embedded = read_embedded_fields(pdf)
            doubtful = any(
                f["status"] == "needs_review"
                for v in doc["fields"].values()
                for f in (v if isinstance(v, list) else [v])
            )
            if doubtful:
                assert "approval" not in doc["signature"] and embedded is None
                seen["waiting"] += 1
                continue
            assert doc["signature"]["approval"]["level"].startswith("PAdES")
            assert embedded is not None and embedded["result"] == doc["code"]
            assert embedded["fields"]["issue_date"] == doc["fields"]["issue_date"]["value"]
            seen["published"] += 1
    assert seen["published"] >= 1
