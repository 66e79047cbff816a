"""Phone photos of an ID card: a card that reads well is not sent to review as a whole; a poor one still is.

The cards are family A's card fronts at their printed size (samples.card_photo), photographed with family
B's camera model; family B's own pages stay held out.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from pipeline import perspective, quality
from pipeline.approval_gate import PAGE_UNREADABLE, flag_unreadable_pages, page_problems, page_unreadable
from pipeline.documents import read_document
from pipeline.models import PageRef
from pipeline.ocr import single_thread_env
from pipeline.page_job import PageContext, process_page
from samples.card_photo import card_front
from samples.defects import ScannedPage
from samples.family_b.photo import phone_photo
from samples.generator import _write_pdf, render_page
from sohoa.settings import Settings

single_thread_env()


@cache
def _photo(seed: int, dpi: int) -> np.ndarray:
    """Family A's card front of ``seed``, printed size at ``dpi``, photographed lying on a table."""
    card = card_front(seed, dpi)
    return np.asarray(phone_photo(card, np.random.default_rng([seed, 1, 11]), [seed, 1]).image.convert("RGB"))


def test_known_paper_shapes() -> None:
    assert quality.paper_shape(1011, 638) == "id_card"
    assert quality.paper_shape(2339, 1654) == "a4"
    assert quality.paper_shape(1000, 1000) is None
    assert quality.paper_shape(1700, 2800) is None  # US legal, 8.5 x 14 in: not a card


def test_flattened_card_keeps_the_card_proportions() -> None:
    """Foreshortened like a photo, a card is flattened to 85.6:54 and an A4 sheet still to 1:√2."""
    card = np.float32([[130, 100], [1130, 112], [1150, 740], [110, 730]])  # far edge a little shorter
    w, h = perspective.target_size(card)
    assert abs(w / h - 85.6 / 53.98) < 0.002
    sheet = np.float32([[110, 90], [1010, 80], [1080, 1420], [60, 1440]])
    w, h = perspective.target_size(sheet)
    assert abs(h / w - 2**0.5) < 0.002


def test_card_scanned_to_its_edges_is_measured_from_its_size() -> None:
    """The card's small print would say 150 dpi (an error: rescan); the card's 85.6 mm say 300."""
    card = np.asarray(card_front(104, 300).image.convert("RGB"))
    check = quality.check_page(card, number=1, dpi=300)
    assert check.measures.paper == "id_card"
    assert check.measures.dpi_text is not None and check.measures.dpi_text < 180  # the print alone misleads
    assert check.measures.dpi_measured == 300
    assert "low_resolution" not in {f["code"] for f in check.findings}


@pytest.mark.parametrize("seed", [101, 103])
def test_flattened_card_photo_is_drawn_larger_and_not_low_resolution(seed: int) -> None:
    flat, sheet = perspective.correct(_photo(seed, 300))
    assert sheet is not None and max(flat.shape[:2]) == perspective.CARD_MIN_PX  # its print ~20 px high
    check = quality.check_page(flat, number=1, dpi=300)
    assert check.measures.paper == "id_card"
    assert "low_resolution" not in {f["code"] for f in check.findings}


def test_card_lying_square_in_the_photo_is_sized_by_its_outline() -> None:
    """Photographed straight on, the card is not flattened (it could be a scan's borders), yet is a card."""
    photo = _photo(109, 300)
    assert perspective.find_sheet(photo) is None
    check = quality.check_page(photo, number=1, dpi=300)
    assert check.measures.paper == "id_card" and abs((check.measures.dpi_measured or 0) / 300 - 1) < 0.05
    assert "low_resolution" not in {f["code"] for f in check.findings}


def test_card_small_in_the_photo_is_still_low_resolution() -> None:
    """A card that fills few pixels (about 130 dpi over its 85.6 mm) is to be photographed again."""
    flat, sheet = perspective.correct(_photo(102, 130))
    assert sheet is not None and max(flat.shape[:2]) < perspective.CARD_MIN_CAPTURE_PX  # not enlarged
    check = quality.check_page(flat, number=1, dpi=200)
    low = [f for f in check.findings if f["code"] == "low_resolution"]
    assert low and low[0]["severity"] == "error" and low[0]["value"] < 150


def _a5_sheet(dpi: int, print_pt: float) -> np.ndarray:
    """An A5 sheet lying landscape at ``dpi``: the top half of a family A decision printed at ``print_pt``."""
    page = np.asarray(render_page("quyet_dinh", seed=3, dpi=round(dpi * print_pt / 13.5)).image.convert("RGB"))
    top = page[: page.shape[0] // 2]  # family A prints its body at 13.5 pt
    h, w = round(5.83 * dpi), round(8.27 * dpi)
    sheet = np.full((h, w, 3), 255, np.uint8)
    th, tw = min(h, top.shape[0]), min(w, top.shape[1])
    sheet[(h - th) // 2 : (h - th) // 2 + th, (w - tw) // 2 : (w - tw) // 2 + tw] = top[:th, :tw]
    return sheet


@pytest.mark.parametrize("print_pt", [11.0, 12.0])
def test_a5_sheet_with_smaller_print_is_not_low_resolution(print_pt: float) -> None:
    """Read as A4, a 200 dpi A5 sheet says 141 dpi; its print, finer than A4's reading allows, says A5."""
    check = quality.check_page(_a5_sheet(200, print_pt), number=1, dpi=200)
    assert check.measures.paper == "a5" and check.measures.dpi_measured == 200
    assert "low_resolution" not in {f["code"] for f in check.findings}


def test_a5_sheet_at_low_resolution_is_still_low_resolution() -> None:
    check = quality.check_page(_a5_sheet(130, 12.0), number=1, dpi=130)
    low = [f for f in check.findings if f["code"] == "low_resolution"]
    assert low and low[0]["value"] == 130


def _read_card(image: np.ndarray, dpi: int, tmp_path: Path) -> tuple[list[str], list]:
    """The page job on a photo in a PDF claiming ``dpi``: the page's problems and the card's fields."""
    pdf = tmp_path / "card.pdf"
    _write_pdf(pdf, [ScannedPage(Image.fromarray(image), {})], dpi, 85)
    settings = Settings(data_dir=tmp_path / "data")
    page = process_page(PageContext(PageRef(1, 0, pdf, "pdf", 0), pdf.name, tmp_path / "work", settings))
    doc = read_document(1, [1], {1: page})
    problems = page_problems(page, repaired=False)
    if page_unreadable(page, repaired=False):
        flag_unreadable_pages(doc, [1])
    return problems, [f for f in doc.fields.values() if f.value is not None]


def test_card_photo_that_reads_well_yields_extracted_fields(tmp_path: Path) -> None:
    problems, fields = _read_card(_photo(103, 300), 300, tmp_path)
    assert problems == []
    extracted = [f for f in fields if f.status == "extracted"]
    assert len(extracted) >= 5 and not any(PAGE_UNREADABLE in f.reasons for f in fields)


def test_blurred_card_photo_sends_every_field_to_review(tmp_path: Path) -> None:
    blurred = cv2.GaussianBlur(_photo(103, 300), (0, 0), 1.3)  # the letters' edges still read, less surely
    problems, fields = _read_card(blurred, 300, tmp_path)
    assert "reception_finding" in problems
    assert fields and all(f.status == "needs_review" and PAGE_UNREADABLE in f.reasons for f in fields)


def test_a4_photo_under_200_dpi_that_reads_soundly_keeps_its_right_fields_extracted(tmp_path: Path) -> None:
    """A phone photo of an A4 declaration flattens to ~165 dpi: below the standard, so the desk is asked
    to rescan and nothing is approved by itself, but the values it read are not all sent to review."""
    page = render_page("xac_nhan_cu_tru", seed=101, dpi=165)
    photo = np.asarray(phone_photo(page, np.random.default_rng([101, 1, 11]), [101, 1]).image.convert("RGB"))
    problems, fields = _read_card(photo, 165, tmp_path)
    assert problems == ["reception_finding"]
    extracted = {f.value for f in fields if f.status == "extracted"}
    assert len(extracted) >= 8 and not any(PAGE_UNREADABLE in f.reasons for f in fields)
    truth = {str(v) for v in page.fields.values()}
    assert extracted <= truth  # every value left extracted is the printed one
