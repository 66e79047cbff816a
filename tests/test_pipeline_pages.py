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


def _scan_pdf(path: Path, image: Image.Image, *, extra_ops: bytes = b"", annotate: bool = False) -> Path:
    """A scanner-style page: one image over the whole page at 200 dpi (JPEG, or 1-bit Flate when mode 1)."""
    import io
    import zlib

    import pikepdf

    pdf = pikepdf.new()
    w, h = image.size
    if image.mode == "1":
        bits = np.packbits(np.asarray(image.convert("L")) > 127, axis=1)
        data, extra = zlib.compress(bits.tobytes()), {"BitsPerComponent": 1, "Filter": pikepdf.Name.FlateDecode}
        space = pikepdf.Name.DeviceGray
    else:
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=85)
        data, extra = buf.getvalue(), {"BitsPerComponent": 8, "Filter": pikepdf.Name.DCTDecode}
        space = pikepdf.Name.DeviceRGB if image.mode == "RGB" else pikepdf.Name.DeviceGray
    xobj = pikepdf.Stream(pdf, data, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=w, Height=h,
                          ColorSpace=space, **extra)  # fmt: skip
    pw, ph = w * 72 / 200, h * 72 / 200
    content = pikepdf.Stream(pdf, f"q {pw:.4f} 0 0 {ph:.4f} 0 0 cm /Im0 Do Q".encode() + extra_ops)
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=[0, 0, pw, ph], Contents=content,
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobj)),
    )  # fmt: skip
    if annotate:
        page.Annots = pikepdf.Array([pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Square,
                                                        Rect=[10, 10, 100, 100])])  # fmt: skip
    pdf.pages.append(pikepdf.Page(pdf.make_indirect(page)))
    pdf.save(path)
    return path


def _rasterize_both(pdf: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> tuple[np.ndarray, bool]:
    """The page's pixels, and whether pdftoppm was needed for them."""
    import pipeline.pages as pages_module

    used = []
    real = pages_module.convert_from_path

    def counting(*args: object, **kwargs: object) -> object:
        used.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(pages_module, "convert_from_path", counting)
    (src,) = ingest([pdf], settings, pdf.parent / f"w-{pdf.stem}")
    return rasterize(page_refs([src])[0], settings).rgb, bool(used)


@pytest.mark.parametrize("mode", ["RGB", "L", "1"])
def test_a_scanned_page_is_decoded_without_pdftoppm_and_matches_it(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    image = _page_image(1654, 2339)
    image.paste((200, 30, 30), (900, 1500, 1200, 1800))  # a red block: the colours must survive
    pdf = _scan_pdf(tmp_path / "scan.pdf", image.convert(mode))
    fast, used_pdftoppm = _rasterize_both(pdf, settings, monkeypatch)
    assert not used_pdftoppm
    monkeypatch.setattr("pipeline.pages.scanned_image", lambda *args: None)
    slow, _ = _rasterize_both(pdf, settings, monkeypatch)
    assert fast.shape == slow.shape == (2339, 1654, 3)
    assert np.abs(fast.astype(int) - slow.astype(int)).mean() < 3  # decoders differ by rounding only
    if mode == "RGB":
        assert tuple(fast[1650, 1050]) == pytest.approx((200, 30, 30), abs=12)


@pytest.mark.parametrize("extra", ["text", "annotation"])
def test_a_page_with_more_than_its_scan_is_rendered_by_pdftoppm(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, extra: str
) -> None:
    ops = b" BT /F1 12 Tf 72 72 Td (x) Tj ET" if extra == "text" else b""
    pdf = _scan_pdf(tmp_path / "scan.pdf", _page_image(1654, 2339), extra_ops=ops, annotate=extra == "annotation")
    pixels, used_pdftoppm = _rasterize_both(pdf, settings, monkeypatch)
    assert used_pdftoppm and pixels.shape == (2339, 1654, 3)
