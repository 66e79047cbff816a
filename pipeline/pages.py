"""Pages: rasterize one page at a time, at the scan's own resolution.

A page is rendered only inside the process that works on it, so a 300-page dossier never has more
than one page per worker in memory. Resolution comes from the file (the embedded image's pixels per
inch of page, or the image's DPI tag); when the file does not say, it is estimated from the page size
assuming A4 paper, and the page records that it was estimated.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

import cv2
import numpy as np
import pikepdf
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


def image_dpi(dpi_tag: object, width_px: int, height_px: int) -> tuple[int, bool]:
    """(dpi, estimated) an image page is read at: its dpi tag when plausible, else estimated as A4.

    Ingest measures the page with the same answer, so the size it checks is the size the page will have.
    """
    try:
        value = float(dpi_tag[0]) if dpi_tag else 0.0  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        value = 0.0
    if 72 <= value <= 2400:
        return snap_dpi(value), False
    return estimate_dpi(width_px, height_px), True


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


def render_dpi(dpi: int, settings: Settings) -> int:
    """The resolution a PDF page is rendered at: its own, kept within ``min_dpi``..``max_dpi``."""
    return min(max(dpi, settings.min_dpi), settings.max_dpi)


def _rasterize_pdf(ref: PageRef, settings: Settings) -> RasterPage:
    try:
        with pikepdf.open(ref.source_path) as pdf:
            dpi, estimated, w_in, h_in = pdf_page_dpi(pdf, ref.index_in_source)
    except pikepdf.PdfError as exc:
        raise UnreadablePage(
            f"không đọc được trang {ref.index_in_source + 1}: {exc}", file=ref.source_path.name
        ) from exc
    dpi = render_dpi(dpi, settings)
    _check_pixels(round(w_in * dpi), round(h_in * dpi), ref, settings)
    rgb = _pdftoppm(ref, dpi, timeout_s=settings.tesseract_timeout_s)
    return RasterPage(rgb=rgb, dpi=dpi, dpi_estimated=estimated)


def _pdftoppm(ref: PageRef, dpi: int, *, timeout_s: int) -> np.ndarray:
    """One page rendered by pdftoppm, read from its standard output (no temporary file, no PIL copy):
    the same pixels as through pdf2image, ~25 ms sooner a page."""
    page = str(ref.index_in_source + 1)
    cmd = ["pdftoppm", "-r", str(dpi), "-f", page, "-l", page, "-singlefile", str(ref.source_path)]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ToolFailed(f"pdftoppm quá thời gian ở trang {page}", file=ref.source_path.name) from exc
    except OSError as exc:
        raise ToolFailed("không chạy được pdftoppm", hint="cài gói poppler-utils (scripts/setup.sh)") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise UnreadablePage(f"không vẽ được trang {page}: {detail[0]}", file=ref.source_path.name)
    bgr = cv2.imdecode(np.frombuffer(done.stdout, np.uint8), cv2.IMREAD_COLOR) if done.stdout else None
    if bgr is None or bgr.shape[0] < 16 or bgr.shape[1] < 16:
        raise UnreadablePage(f"pdftoppm trả về ảnh rỗng cho trang {page}", file=ref.source_path.name)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


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
    dpi, estimated = image_dpi(dpi_tag, w, h)
    return RasterPage(rgb=rgb, dpi=dpi, dpi_estimated=estimated)


def _page_images(page: pikepdf.Page) -> list[pikepdf.Object]:
    """Image XObjects of a page (pikepdf 9 and 10 spell this differently)."""
    getter = getattr(page, "get_images", None)
    if getter is not None:
        return [img.obj if hasattr(img, "obj") else img for img in getter().values()]
    return list(page.images.values())
