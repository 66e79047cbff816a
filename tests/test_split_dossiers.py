"""Splitting a dossier: documents start at a motto, a title or a form code; blank and separator sheets divide."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pipeline.models import PageResult, Word
from pipeline.split import is_separator, page_role, split_documents
from samples.forms import SEPARATOR_KINDS, build_pages
from samples.generator import generate_dossier, load_truth
from samples.truth_pages import truth_page_result


def dossier_pages(kinds: list[str], seed: int = 1, dpi: int = 150) -> tuple[list[PageResult], list[list[int]]]:
    """Perfect-OCR pages of a dossier of `kinds` and the page numbers of each true document."""
    rng, shared = random.Random(seed), {}
    pages: list[PageResult] = []
    truth: list[list[int]] = []
    for kind in kinds:
        numbers = []
        for page in build_pages(kind, rng, dpi, shared):
            pages.append(truth_page_result(page, len(pages) + 1))
            numbers.append(len(pages))
        if kind not in SEPARATOR_KINDS:
            truth.append(numbers)
    return pages, truth


@pytest.mark.parametrize(
    "kinds",
    [
        ["don", "giay_xac_nhan", "quyet_dinh"],
        ["tiep_nhan", "don", "cccd", "gcn_qsdd", "khai_sinh"],  # gcn_qsdd has a continuation page
        ["to_khai", "trang_trang", "xac_nhan_cu_tru", "tach_ho_so", "dang_ky_doanh_nghiep", "cong_van"],
        ["gcn_qsdd", "gcn_qsdd", "thong_bao", "trang_trang", "trang_trang", "cccd"],
    ],
)
def test_split_equals_the_documents_of_the_truth(kinds: list[str]) -> None:
    for seed in range(3):
        pages, truth = dossier_pages(kinds, seed)
        assert split_documents(pages) == truth, (kinds, seed)


def test_a_continuation_page_joins_the_document_before_it() -> None:
    pages, _ = dossier_pages(["gcn_qsdd"])
    assert [page_role(p) for p in pages] == ["start", "continuation"]
    # without its page number, a page with no header still continues the document
    pages[1].words = [w for w in pages[1].words if w.text != "2"]
    assert split_documents(pages) == [[1, 2]]


def test_blank_pages_divide_but_a_numbered_page_after_one_is_a_duplex_back() -> None:
    pages, _ = dossier_pages(["gcn_qsdd"])
    blank = PageResult(9, "scan", 150, False, 100, 100, 0, 0.0, Path("b.jpg"), [])
    first, second = pages
    seq = [first, blank, second]
    for number, page in enumerate(seq, start=1):
        page.number = number
    assert split_documents(seq) == [[1, 3]]  # "2" in the top margin: the same certificate, scanned duplex
    second.words = [w for w in second.words if w.text != "2"]
    assert split_documents(seq) == [[1], [3]]  # a blank sheet, then a page of its own


def test_blank_by_the_reception_gate_even_with_specks_read_as_letters() -> None:
    noise = [Word("ii", (10, 10, 20, 20), 0.2, 0), Word("-", (40, 40, 50, 50), 0.1, 1)]
    page = PageResult(1, "scan", 200, False, 1654, 2339, 0, 0.0, Path("p.jpg"), noise)
    assert page_role(page) == "blank"
    page.words = [Word("Trang", (10, 10, 90, 40), 0.9, 0), Word("trắng", (100, 10, 190, 40), 0.9, 0)]
    page.findings = [{"code": "blank_page", "severity": "warning", "message": "Trang 1 là trang trắng"}]
    assert page_role(page) == "blank"


def test_separator_sheet_and_a_document_that_only_mentions_it() -> None:
    sheet = truth_page_result(build_pages("tach_ho_so", random.Random(0), 150)[0])
    assert page_role(sheet) == "separator"
    letter, _ = dossier_pages(["cong_van"])
    words = letter[0].words
    words.append(Word("TÁCH", (100, 2000, 160, 2030), 0.9, 999))
    words.append(Word("HỒ", (170, 2000, 200, 2030), 0.9, 999))
    words.append(Word("SƠ", (210, 2000, 240, 2030), 0.9, 999))
    assert not is_separator(letter[0])


def test_no_pages_no_documents() -> None:
    assert split_documents([]) == []


@pytest.mark.slow
def test_split_a_scanned_dossier_read_by_the_pipeline(tmp_path: Path) -> None:
    """Office scans through the real page stage (clean, reception gate, Tesseract), then split."""
    from pipeline.ingest import ingest
    from pipeline.page_job import PageContext
    from pipeline.pages import page_refs
    from sohoa.settings import load_settings
    from workers.pages import run_pages

    kinds = ("don", "trang_trang", "gcn_qsdd", "tach_ho_so", "tiep_nhan")
    path = generate_dossier(tmp_path / "d", seed=5, kinds=kinds, dpi=200, defects="office")
    truth = load_truth(tmp_path / "d")
    settings = load_settings(data_dir=tmp_path / "data")
    sources = ingest([path], settings, tmp_path / "work")
    contexts = [PageContext(ref, path.name, tmp_path / "work", settings) for ref in page_refs(sources)]
    pages = sorted(run_pages(contexts, settings.page_workers), key=lambda p: p.number)
    assert split_documents(pages) == [d["pages"] for d in truth["documents"]]
