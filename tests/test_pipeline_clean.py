"""Orientation and skew are found by our own method, on generated pages with known defects."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.clean import apply_geometry, is_colour, measure_geometry, ocr_image
from samples.defects import DefectSpec
from samples.generator import scan_page


def _rgb(page) -> np.ndarray:  # type: ignore[no-untyped-def]
    return np.asarray(page.image.convert("RGB"))


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize("kind", ["quyet_dinh", "giay_xac_nhan"])
def test_orientation_found_for_each_quarter_turn(rotation: int, kind: str) -> None:
    scan, _ = scan_page(kind, seed=11, dpi=150, defects=DefectSpec(rotation=rotation, noise=3.0))
    geometry = measure_geometry(_rgb(scan))
    assert geometry.rotation == (360 - rotation) % 360


@pytest.mark.parametrize("skew", [-3.7, -1.2, 0.0, 0.8, 2.5, 4.0])
def test_skew_measured_within_a_third_of_a_degree(skew: float) -> None:
    scan, _ = scan_page("cong_van", seed=5, dpi=150, defects=DefectSpec(skew=skew, seal=True, signature=True))
    geometry = measure_geometry(_rgb(scan))
    assert geometry.rotation == 0
    assert abs(geometry.skew + skew) <= 0.3  # the correction turns back by the skew


@pytest.mark.parametrize("rotation,skew", [(90, 2.0), (180, -3.0), (270, 1.5)])
def test_rotation_and_skew_together_make_the_page_straight(rotation: int, skew: float) -> None:
    scan, clean = scan_page("quyet_dinh", seed=3, dpi=150, defects=DefectSpec(rotation=rotation, skew=skew))
    rgb = _rgb(scan)
    fixed = apply_geometry(rgb, measure_geometry(rgb))
    assert fixed.shape[:2] == np.asarray(clean.image).shape[:2]  # upright page has the original size
    again = measure_geometry(fixed)
    assert again.rotation == 0 and abs(again.skew) <= 0.3


def test_blank_page_is_left_alone() -> None:
    blank = np.full((800, 600, 3), 250, np.uint8)
    geometry = measure_geometry(blank)
    assert geometry.rotation == 0 and geometry.skew == 0.0


def test_ocr_image_removes_red_seal_but_keeps_black_text() -> None:
    scan, clean = scan_page("quyet_dinh", seed=2, dpi=150, defects=DefectSpec(seal=True, signature=True))
    rgb = _rgb(scan)
    assert is_colour(rgb)
    bw = ocr_image(rgb)
    assert set(np.unique(bw)) <= {0, 255}
    red = (rgb[..., 0] > 150) & (rgb[..., 1] < 120) & (rgb[..., 2] < 120)
    assert red.sum() > 500  # the seal is there in the scan
    assert (bw[red] == 0).mean() < 0.05  # and gone from the OCR image
    x0, y0, x1, y1 = clean.field_boxes["number_symbol"]
    assert (bw[y0:y1, x0:x1] == 0).mean() > 0.05  # black print stays


def test_visible_image_keeps_colour_when_geometry_applied() -> None:
    scan, _ = scan_page("quyet_dinh", seed=2, dpi=150, defects=DefectSpec(skew=1.5, seal=True))
    rgb = _rgb(scan)
    out = apply_geometry(rgb, measure_geometry(rgb))
    assert out.ndim == 3 and is_colour(out)
