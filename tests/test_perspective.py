"""Perspective correction: drawn sheets on backgrounds are found and flattened; flat scans never are."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from pipeline import clean, perspective, quality, rules
from pipeline.models import PageRef, PageResult
from pipeline.ocr import recognize, single_thread_env
from pipeline.page_job import PageContext, process_page
from samples.cer import cer
from samples.defects import DefectSpec
from samples.family_b.photo import phone_photo
from samples.generator import render_page, scan_page
from sohoa.settings import Settings

single_thread_env()


def _drawn_sheet(corners: np.ndarray, size: tuple[int, int], background: tuple[int, int, int]) -> np.ndarray:
    """A white sheet with rows of black bars (text) warped onto ``corners`` of a lit, coloured background."""
    sheet_h, sheet_w = 1414, 1000
    sheet = np.full((sheet_h, sheet_w, 3), 250, np.uint8)
    for y in range(120, sheet_h - 120, 60):
        for x in range(100, sheet_w - 100, 140):
            cv2.rectangle(sheet, (x, y), (x + 100, y + 18), (20, 20, 20), -1)
    src = np.float32([[0, 0], [sheet_w, 0], [sheet_w, sheet_h], [0, sheet_h]])
    h_matrix = cv2.getPerspectiveTransform(src, np.float32(corners))
    w, h = size
    warped = cv2.warpPerspective(sheet, h_matrix, (w, h), borderValue=background).astype(np.float32)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    light = 1.0 - 0.3 * (xs / w) - 0.15 * (ys / h)  # falls off across the table
    return np.clip(warped * light[..., None], 0, 255).astype(np.uint8)


TRAPEZOIDS = {
    "far_edge_short": [[110, 90], [1010, 80], [1080, 1420], [60, 1440]],
    "turned": [[200, 60], [1080, 150], [950, 1450], [70, 1360]],
    "small_on_table": [[300, 300], [800, 320], [790, 1020], [290, 1000]],
}


@pytest.mark.parametrize("name", sorted(TRAPEZOIDS))
@pytest.mark.parametrize("background", [(160, 150, 135), (70, 72, 78), (120, 86, 60)])
def test_drawn_sheet_corners_are_found(name: str, background: tuple[int, int, int]) -> None:
    corners = np.float32(TRAPEZOIDS[name])
    img = _drawn_sheet(corners, (1150, 1520), background)
    sheet = perspective.find_sheet(img)
    assert sheet is not None
    assert float(np.abs(sheet.corners - corners).max()) <= 0.01 * 1520
    finding = sheet.finding(3)
    assert finding["code"] == "perspective_corrected" and len(finding["value"]["corners"]) == 4


def test_flattened_sheet_has_paper_proportions_and_even_light() -> None:
    corners = np.float32(TRAPEZOIDS["far_edge_short"])
    out, sheet = perspective.correct(_drawn_sheet(corners, (1150, 1520), (160, 150, 135)))
    assert sheet is not None
    h, w = out.shape[:2]
    assert abs(h / w - 2**0.5) < 0.01
    paper = out[(clean.ink_gray(out) > 128)]
    assert np.percentile(paper.mean(axis=1), 10) > 235  # the dark side of the sheet is white again
    # the text bars are upright rows after the warp: each row of bars is a flat band
    ink_rows = (clean.ink_gray(out) < 100).mean(axis=1)
    assert (ink_rows > 0.3).sum() > 10


@pytest.mark.parametrize(
    ("preset", "kind"), [("clean", "quyet_dinh"), ("office", "cccd"), ("harsh", "don"), ("harsh", "gcn_qsdd")]
)
def test_flat_scans_are_never_warped(preset: str, kind: str) -> None:
    scan, _ = scan_page(kind, seed=41, dpi=150, defects=preset)
    rgb = np.asarray(scan.image.convert("RGB"))
    out, sheet = perspective.correct(rgb)
    assert sheet is None and out is rgb


def test_scanner_borders_are_not_a_photo() -> None:
    scan, _ = scan_page("cong_van", seed=5, dpi=150, defects=DefectSpec(borders=10.0, skew=3.0, uneven_light=0.4))
    assert perspective.find_sheet(np.asarray(scan.image.convert("RGB"))) is None
    blank = np.full((1500, 1060, 3), 255, np.uint8)
    assert perspective.find_sheet(blank) is None


def _read(rgb: np.ndarray) -> str:
    upright = clean.apply_geometry(rgb, clean.measure_geometry(rgb))
    words = recognize(rules.clear_for_ocr(clean.ocr_image(upright)), lang="vie+Vietnamese")
    return PageResult(1, "x", 200, False, 1, 1, 0, 0.0, None, words).text  # type: ignore[arg-type]


@pytest.mark.slow
def test_family_a_page_photographed_reads_close_to_its_scan(tmp_path: Path) -> None:
    """End to end through the page job: a photo held sideways is flattened, turned upright, and says so."""
    # measured on 2026-12-07: scan 0.008, photo as taken 0.147, photo corrected 0.018 (before the turn)
    page = render_page("quyet_dinh", seed=100, dpi=200)
    truth = "\n".join(line.text for line in page.lines)
    photo = phone_photo(page, np.random.default_rng([7, 0, 11]), [7, 0])
    path = tmp_path / "photo.jpg"
    Image.fromarray(np.rot90(np.asarray(photo.image.convert("RGB")))).save(path, quality=90)
    settings = Settings(data_dir=tmp_path / "data")
    result = process_page(PageContext(PageRef(1, 0, path, "jpeg", 0), path.name, tmp_path / "work", settings))

    found = [f for f in result.to_dict()["findings"] if f["code"] == "perspective_corrected"]
    assert len(found) == 1 and len(found[0]["value"]["corners"]) == 4
    assert result.rotation == 90 and abs(result.height / result.width - 2**0.5) < 0.02
    scan, _ = scan_page("quyet_dinh", seed=100, dpi=200, defects=DefectSpec(seal=True, signature=True))
    scan_cer = cer(truth, _read(np.asarray(scan.image.convert("RGB"))))
    assert cer(truth, result.text) <= scan_cer + 0.04


def test_a_flattened_photo_passes_the_reception_gate() -> None:
    """The sheet's edge is trimmed: a sliver of table left along it was read as a page cut off."""
    page = render_page("quyet_dinh", seed=104, dpi=200)
    rng = np.random.default_rng([7, 4, 11])
    rng.random()  # the draw ``capture`` makes to decide that the page is photographed
    photo = np.asarray(phone_photo(page, rng, [7, 4]).image.convert("RGB"))
    fixed, sheet = perspective.correct(photo)
    assert sheet is not None
    assert quality.check_page(fixed, number=1, dpi=200).findings == []
