"""Rasterizing: resolution read from the file or estimated from the page size; one page at a time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.ingest import ingest
from pipeline.pages import estimate_dpi, page_refs, rasterize, snap_dpi
from sohoa.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def _page_image(w: int, h: int) -> Image.Image:
    img = Image.new("RGB", (w, h), "white")
    img.paste((0, 0, 0), (w // 4, h // 4, w // 2, h // 4 + 20))
    return img


def test_snap_and_estimate() -> None:
    assert snap_dpi(298.7) == 300
    assert snap_dpi(275) == 275
    assert estimate_dpi(1654, 2339) == 200  # A4 at 200 dpi
    assert estimate_dpi(2480, 3508) == 300


def test_pdf_page_resolution_comes_from_the_embedded_image(tmp_path: Path, settings: Settings) -> None:
    pdf = tmp_path / "scan.pdf"
    _page_image(1240, 1754).save(pdf, resolution=150)
    (src,) = ingest([pdf], settings, tmp_path / "w")
    page = rasterize(page_refs([src])[0], settings)
    assert page.dpi == 150 and not page.dpi_estimated
    assert abs(page.rgb.shape[1] - 1240) <= 2 and abs(page.rgb.shape[0] - 1754) <= 2


def test_image_without_dpi_tag_gets_an_estimate(tmp_path: Path, settings: Settings) -> None:
    png = tmp_path / "photo.png"
    _page_image(1654, 2339).save(png)  # no dpi tag
    (src,) = ingest([png], settings, tmp_path / "w")
    page = rasterize(page_refs([src])[0], settings)
    assert page.dpi == 200 and page.dpi_estimated


def test_multipage_tiff_frames_are_read_one_by_one(tmp_path: Path, settings: Settings) -> None:
    tif = tmp_path / "scan.tif"
    frames = [_page_image(827, 1170), Image.new("RGB", (827, 1170), (200, 200, 200))]
    frames[0].save(tif, save_all=True, append_images=frames[1:], dpi=(100, 100), compression="tiff_deflate")
    (src,) = ingest([tif], settings, tmp_path / "w")
    refs = page_refs([src])
    assert [r.number for r in refs] == [1, 2]
    second = rasterize(refs[1], settings)
    assert second.dpi == 100 and not second.dpi_estimated
    assert int(np.median(second.rgb)) == 200
