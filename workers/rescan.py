"""Rescanning one page at the desk, before the dossier is handed in: the file holding it, with that page replaced.

Why here and not in the browser: a page inside a multi-page PDF or TIFF can only be swapped by rewriting the
file, and both files must pass the same input checks as any scan. Nothing is stored: the desk gets the new
file back and hands it in with the others. The new page is the new scan's own pixels (a JPEG goes into the
PDF as it is); a signed PDF is refused, since swapping one of its pages would break what its signer attests.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pikepdf
from PIL import Image, ImageSequence

from pipeline.ingest import ingest_file
from pipeline.models import Source
from sohoa.errors import BadInput
from sohoa.settings import Settings

DEFAULT_DPI = 300  # an image that names no resolution: a desk scanner's usual setting


class RescanRefused(BadInput):
    """The page cannot be replaced this way (page number, a replacement of several pages, a signed file)."""

    code = "rescan_refused"


def replace_page(source: Path, page: int, replacement: Path, settings: Settings, out_dir: Path) -> Path:
    """``source`` with its page ``page`` (1-based) replaced by the one page of ``replacement``, written in
    ``out_dir`` under the source's name; a single-page source is simply replaced by ``replacement``."""
    old = ingest_file(source, settings, out_dir / "old")
    new = ingest_file(replacement, settings, out_dir / "new")
    if new.page_count != 1:
        raise RescanRefused(f"bản quét lại có {new.page_count} trang: cần đúng một trang")
    if not 1 <= page <= old.page_count:
        raise RescanRefused(f"tệp {old.filename} không có trang {page} (có {old.page_count} trang)")
    out = out_dir / old.filename
    if old.page_count == 1:
        shutil.copyfile(new.readable, out)
    elif old.kind == "pdf":
        if old.signatures:
            raise RescanRefused(f"tệp {old.filename} đã được ký số: không thay một trang được, hãy quét lại cả tệp")
        _splice_pdf(old, page, new, out)
    else:  # a multi-page TIFF
        _splice_tiff(old, page, new, out)
    return out


def _one_page_pdf(new: Source) -> pikepdf.Pdf:
    """The replacement as a one-page PDF: itself if it is one; a JPEG embedded as it is (no second lossy
    encoding); another image losslessly, at its own resolution."""
    if new.kind == "pdf":
        return pikepdf.open(new.readable)
    with Image.open(new.readable) as img:
        dpi = float(img.info.get("dpi", (DEFAULT_DPI, DEFAULT_DPI))[0] or DEFAULT_DPI)
        if new.kind != "jpeg" or img.mode not in ("L", "RGB"):
            data = io.BytesIO()
            (img if img.mode in ("RGB", "L", "1") else img.convert("RGB")).save(data, "PDF", resolution=dpi)
            return pikepdf.open(io.BytesIO(data.getvalue()))
        width, height, gray = img.width, img.height, img.mode == "L"
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, new.readable.read_bytes())
    image.Type, image.Subtype, image.Filter = pikepdf.Name.XObject, pikepdf.Name.Image, pikepdf.Name.DCTDecode
    image.Width, image.Height, image.BitsPerComponent = width, height, 8
    image.ColorSpace = pikepdf.Name.DeviceGray if gray else pikepdf.Name.DeviceRGB
    w_pt, h_pt = width * 72.0 / dpi, height * 72.0 / dpi
    draw = f"q {w_pt:.3f} 0 0 {h_pt:.3f} 0 0 cm /Im0 Do Q".encode("ascii")
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, round(w_pt, 3), round(h_pt, 3)],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(pdf, draw),
    )
    pdf.pages.append(pikepdf.Page(page))
    return pdf


def _splice_pdf(old: Source, page: int, new: Source, out: Path) -> None:
    with pikepdf.open(old.readable) as pdf, _one_page_pdf(new) as single:
        pdf.pages.insert(page, single.pages[0])
        del pdf.pages[page - 1]
        pdf.save(out)


def _splice_tiff(old: Source, page: int, new: Source, out: Path) -> None:
    """The frames of the old TIFF with one swapped; a TIFF carries one resolution here, the old file's."""
    with Image.open(old.readable) as tiff, Image.open(new.readable) as scan:
        dpi = tiff.info.get("dpi") or (300, 300)
        frames = [f.copy() for f in ImageSequence.Iterator(tiff)]
        frames[page - 1] = scan.copy() if scan.mode in ("RGB", "L", "1") else scan.convert("RGB")
    first, *rest = frames
    first.save(out, "TIFF", save_all=True, append_images=rest, compression="tiff_lzw", dpi=dpi)
