"""Pages: rasterize one page at a time, at the scan's own resolution.

A page is rendered only inside the process that works on it, so a 300-page dossier never has more
than one page per worker in memory. Resolution comes from the file (the embedded image's pixels per
inch of page, or the image's DPI tag); when the file does not say, it is estimated from the page size
assuming A4 paper, and the page records that it was estimated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pikepdf
from pdf2image import convert_from_path
from pdf2image.exceptions import PDFPageCountError, PDFPopplerTimeoutError, PDFSyntaxError
from PIL import Image

from pipeline.models import PageRef, Source
from sohoa.errors import BadInput, TooLarge, ToolFailed, UnreadablePage
from sohoa.settings import Settings

A4_LONG_SIDE_IN = 11.69
COMMON_DPI = (150, 200, 240, 300, 400, 600)
VECTOR_PAGE_DPI = 300


@dataclass
class RasterPage:
    """One page's pixels (RGB, uint8, HxWx3) and its resolution."""

    rgb: np.ndarray
    dpi: int
    dpi_estimated: bool


def page_refs(sources: list[Source]) -> list[PageRef]:
    """Number every page of the dossier, 1-based, in input order."""
    refs: list[PageRef] = []
    for si, src in enumerate(sources):
        for i in range(src.page_count):
            refs.append(PageRef(len(refs) + 1, si, src.readable, src.kind, i))
    return refs


def snap_dpi(dpi: float) -> int:
    """Round to a scanner's usual setting when within 4%, since page sizes are never exact."""
    for common in COMMON_DPI:
        if abs(dpi - common) / common < 0.04:
            return common
    return max(1, round(dpi))


def estimate_dpi(width_px: int, height_px: int) -> int:
    """Resolution from the pixel size, assuming an A4 page (the size of nearly every dossier paper)."""
    return snap_dpi(max(width_px, height_px) / A4_LONG_SIDE_IN)


def rasterize(ref: PageRef, settings: Settings) -> RasterPage:
    """Render one page to RGB pixels, refusing pages over the pixel limit before decoding them."""
    if ref.source_kind == "pdf":
        return _rasterize_pdf(ref, settings)
    return _load_image_frame(ref, settings)


def _check_pixels(w: int, h: int, ref: PageRef, settings: Settings) -> None:
    limit = settings.max_page_megapixels * 1_000_000
    if w * h > limit:
        raise TooLarge(
            f"trang {ref.index_in_source + 1} quá lớn ({w}x{h} điểm ảnh, giới hạn "
            f"{settings.max_page_megapixels:g} megapixel)",
            file=ref.source_path.name,
        )


def pdf_page_dpi(pdf: pikepdf.Pdf, index: int) -> tuple[int, bool, float, float]:
    """(dpi, estimated, width_in, height_in) of a PDF page from its largest image's placement."""
    page = pdf.pages[index]
    box = [float(v) for v in page.mediabox]
    w_in, h_in = abs(box[2] - box[0]) / 72.0, abs(box[3] - box[1]) / 72.0
    if int(page.obj.get("/Rotate", 0)) % 180 == 90:
        w_in, h_in = h_in, w_in
    best = 0
    try:
        for image in _page_images(page):
            pw, ph = int(image.get("/Width", 0)), int(image.get("/Height", 0))
            best = max(best, pw, ph)
    except (pikepdf.PdfError, ValueError, TypeError):
        best = 0
    if best and w_in > 0 and h_in > 0:
        return snap_dpi(best / max(w_in, h_in)), False, w_in, h_in
    return VECTOR_PAGE_DPI, True, w_in, h_in


def _rasterize_pdf(ref: PageRef, settings: Settings) -> RasterPage:
    try:
        with pikepdf.open(ref.source_path) as pdf:
            dpi, estimated, w_in, h_in = pdf_page_dpi(pdf, ref.index_in_source)
    except pikepdf.PdfError as exc:
        raise UnreadablePage(
            f"không đọc được trang {ref.index_in_source + 1}: {exc}", file=ref.source_path.name
        ) from exc
    dpi = min(max(dpi, settings.min_dpi), settings.max_dpi)
    _check_pixels(round(w_in * dpi), round(h_in * dpi), ref, settings)
    try:
        images = convert_from_path(
            ref.source_path,
            dpi=dpi,
            first_page=ref.index_in_source + 1,
            last_page=ref.index_in_source + 1,
            timeout=settings.tesseract_timeout_s,
        )
    except PDFPopplerTimeoutError as exc:
        raise ToolFailed(
            f"pdftoppm quá thời gian ở trang {ref.index_in_source + 1}", file=ref.source_path.name
        ) from exc
    except (PDFPageCountError, PDFSyntaxError) as exc:
        raise UnreadablePage(
            f"không vẽ được trang {ref.index_in_source + 1}: {exc}", file=ref.source_path.name
        ) from exc
    if not images or images[0].width < 16 or images[0].height < 16:
        raise UnreadablePage(f"pdftoppm trả về ảnh rỗng cho trang {ref.index_in_source + 1}", file=ref.source_path.name)
    rgb = np.asarray(images[0].convert("RGB"))
    return RasterPage(rgb=rgb, dpi=dpi, dpi_estimated=estimated)


def _load_image_frame(ref: PageRef, settings: Settings) -> RasterPage:
    Image.MAX_IMAGE_PIXELS = int(settings.max_page_megapixels * 1_000_000)
    try:
        with Image.open(ref.source_path) as img:
            img.seek(ref.index_in_source)
            _check_pixels(img.width, img.height, ref, settings)
            dpi_tag = img.info.get("dpi")
            rgb = np.asarray(img.convert("RGB"))
    except Image.DecompressionBombError as exc:
        raise TooLarge(f"ảnh quá lớn: {exc}", file=ref.source_path.name) from exc
    except (OSError, EOFError, ValueError) as exc:
        raise BadInput(f"không đọc được ảnh trang {ref.index_in_source + 1}: {exc}", file=ref.source_path.name) from exc
    h, w = rgb.shape[:2]
    dpi_value = float(dpi_tag[0]) if dpi_tag else 0.0
    if 72 <= dpi_value <= 2400:
        return RasterPage(rgb=rgb, dpi=snap_dpi(dpi_value), dpi_estimated=False)
    return RasterPage(rgb=rgb, dpi=estimate_dpi(w, h), dpi_estimated=True)


def _page_images(page: pikepdf.Page) -> list[pikepdf.Object]:
    """Image XObjects of a page (pikepdf 9 and 10 spell this differently)."""
    getter = getattr(page, "get_images", None)
    if getter is not None:
        return [img.obj if hasattr(img, "obj") else img for img in getter().values()]
    return list(page.images.values())
