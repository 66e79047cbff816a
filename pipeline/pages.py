"""Pages: rasterize one page at a time, at the scan's own resolution.

A page is rendered only inside the process that works on it, so a 300-page dossier never has more
than one page per worker in memory. Resolution comes from the file (the embedded image's pixels per
inch of page, or the image's DPI tag); when the file does not say, it is estimated from the page size
assuming A4 paper, and the page records that it was estimated.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
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
ROW_MIX = np.array([[1 / 3], [2 / 3]], dtype=np.float32)  # see scanned_image


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
            dpi = min(max(dpi, settings.min_dpi), settings.max_dpi)
            _check_pixels(round(w_in * dpi), round(h_in * dpi), ref, settings)
            scan = scanned_image(pdf.pages[ref.index_in_source], round(w_in * dpi), round(h_in * dpi))
    except pikepdf.PdfError as exc:
        raise UnreadablePage(
            f"không đọc được trang {ref.index_in_source + 1}: {exc}", file=ref.source_path.name
        ) from exc
    if scan is not None:
        return RasterPage(rgb=scan, dpi=dpi, dpi_estimated=estimated)
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


def scanned_image(page: pikepdf.Page, width: int, height: int) -> np.ndarray | None:
    """The page's pixels taken straight from its scan, or None when the page is anything more.

    A scanner's (or img2pdf's) page is one image drawn over the whole page: decoding that image gives the
    pixels pdftoppm would render at the scan's own resolution, in ~20 ms instead of ~120 ms and without a
    child process. Only that exact shape qualifies: one 8-bit RGB or grey JPEG, or one 1-bit Flate image
    (black and white scans), no mask, no /Decode, no rotation, no annotations, a content stream of nothing
    but ``q cm Do Q`` placing it on the full page, and its size equal (within 2 px) to the render size
    asked for. Everything else goes to pdftoppm.
    """
    obj = page.obj
    if int(obj.get("/Rotate", 0)) % 360 or "/Annots" in obj:
        return None
    images = _page_images(page)
    if len(images) != 1:
        return None
    image = images[0]
    filters = image.get("/Filter")
    kind = str(filters[0]) if isinstance(filters, pikepdf.Array) and len(filters) == 1 else str(filters)
    colour, bits = image.get("/ColorSpace"), int(image.get("/BitsPerComponent", 0))
    if any(k in image for k in ("/SMask", "/Mask", "/Decode", "/ImageMask")):
        return None
    w, h = int(image.get("/Width", 0)), int(image.get("/Height", 0))
    if abs(w - width) > 2 or abs(h - height) > 2 or not _draws_only_full_page(page):
        return None
    if kind == "/DCTDecode" and bits == 8 and colour in ("/DeviceRGB", "/DeviceGray") and "/DecodeParms" not in image:
        grey = colour == "/DeviceGray"
        flags = cv2.IMREAD_IGNORE_ORIENTATION | (cv2.IMREAD_GRAYSCALE if grey else cv2.IMREAD_COLOR)
        pixels = cv2.imdecode(np.frombuffer(image.read_raw_bytes(), np.uint8), flags)
    elif kind == "/FlateDecode" and bits == 1 and colour == "/DeviceGray":
        packed = np.frombuffer(image.read_bytes(), np.uint8)  # pikepdf undoes Flate and any predictor
        row = (w + 7) // 8
        if packed.size != row * h:
            return None
        pixels = np.unpackbits(packed.reshape(h, row), axis=1)[:, :w] * np.uint8(255)  # 1 = white
    else:
        return None
    if pixels is None or pixels.shape[:2] != (h, w):
        return None  # a damaged stream: pdftoppm decides what it is
    # Each row is mixed with a third of the row above. pdftoppm's render of these pages did so (its
    # resampling puts the image a third of a pixel down), the cleaning and OCR settings were tuned on it,
    # and the raw rows read measurably worse: benchmarks/extract.py, seed 2026, fields exact / wrong fields
    # flagged: raw rows 97.0 % / 93.5 %, pdftoppm 97.5 % / 97.4 %, this mix 97.7 % / 100 %.
    pixels = cv2.filter2D(pixels, -1, ROW_MIX, anchor=(0, 1), borderType=cv2.BORDER_REPLICATE)
    return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB if pixels.ndim == 3 else cv2.COLOR_GRAY2RGB)


def _draws_only_full_page(page: pikepdf.Page) -> bool:
    """The content stream is ``q [w 0 0 h x0 y0] cm /Im Do Q`` with the image covering the media box."""
    box = [float(v) for v in page.mediabox]
    try:
        ops = [(str(op.operator), list(op.operands)) for op in pikepdf.parse_content_stream(page)]
    except pikepdf.PdfError:
        return False
    names = [name for name, _ in ops]
    if names not in (["q", "cm", "Do", "Q"], ["cm", "Do"]):
        return False
    a, b, c, d, e, f = (float(v) for v in ops[names.index("cm")][1])
    full = (a - (box[2] - box[0]), d - (box[3] - box[1]), e - box[0], f - box[1])
    return b == 0 and c == 0 and all(abs(v) < 1.0 for v in full)


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
