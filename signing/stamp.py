"""Where the visible signature stamp goes on page 1: in a margin, covering no word.

Coordinate convention (the one OCR and ``pdftotext -bbox`` use): **top-left origin, y grows down**,
boxes are ``(x0, y0, x1, y1)`` with ``x0 < x1`` and ``y0 < y1``. Word boxes and the returned stamp
box use it alike; any unit works as long as all arguments share it, but ``sign_pdf`` wants PDF
points (1/72 inch: pixels x 72 / dpi). ``to_pdf_rect`` turns a box into pyHanko's bottom-left one.

Search order (first free box wins):

1. the top margin band of the page, preferring the top-left corner (Circular 01/2023/TT-VPCP
   Art. 8 puts the digitizer's signature information top-left of page 1; ``prefer="top-right"`` for
   the agency's, Circular 01/2019/TT-BNV), sliding towards the other corner past words;
2. the same band with the stamp shrunk step by step down to ``min_scale`` (text shrinks with it);
3. the bottom margin band, then the left and right margins (sliding down), each from full size
   down to ``min_scale``.

If nothing is free, the result is the candidate covering the least word area, with ``fits=False``:
the document still gets its signature, and the caller records that the stamp covers text.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from sohoa.errors import SigningError

__all__ = [
    "STAMP_HEIGHT",
    "STAMP_MARGIN",
    "STAMP_WIDTH",
    "Box",
    "Placement",
    "find_stamp_box",
    "stamp_box_on_page",
    "to_pdf_rect",
]

Box = tuple[float, float, float, float]
Edge = Literal["top", "bottom", "left", "right"]
Corner = Literal["top-left", "top-right"]

# Suggested size in points: four stamp lines at 10 pt (signer, time, agency, test notice) fit
# without shrinking; at min_scale 0.6 it is 162 x 38 pt with 6 pt text.
STAMP_WIDTH = 270.0
STAMP_HEIGHT = 64.0
STAMP_MARGIN = 12.0

_GAP = 2.0  # clearance kept around every word, in the caller's unit
_EPS = 1e-6  # a box placed exactly at a word's clearance edge does not overlap it


@dataclass(frozen=True)
class Placement:
    """The chosen stamp box (top-left origin) and how it was found."""

    box: Box
    edge: Edge  # margin it sits in
    scale: float  # 1.0 = requested size
    overlap_area: float  # word area it covers; 0 when it fits

    @property
    def fits(self) -> bool:
        """True when the stamp covers no word."""
        return self.overlap_area == 0.0


def find_stamp_box(
    page_width: float,
    page_height: float,
    word_boxes: Sequence[Box],
    *,
    stamp_width: float,
    stamp_height: float,
    margin: float,
    prefer: Corner = "top-left",
    min_scale: float = 0.6,
    scale_step: float = 0.1,
) -> Placement:
    """Pick a box for the stamp that overlaps no word box (see the module docstring for the order).

    Raises ``SigningError`` only when even the smallest stamp cannot fit inside the page margins,
    which means the arguments are wrong (a stamp bigger than the page), not that the page is full.
    """
    if min(page_width, page_height, stamp_width, stamp_height) <= 0 or margin < 0:
        raise SigningError("Kích thước trang hoặc con dấu chữ ký không hợp lệ")
    if not 0 < min_scale <= 1 or scale_step <= 0:
        raise SigningError("Tỉ lệ thu nhỏ con dấu không hợp lệ")
    words = [_normalise(b) for b in word_boxes]
    scales = _scales(min_scale, scale_step)
    best: Placement | None = None
    for edge in ("top", "bottom", "left", "right"):
        for scale in scales:
            w, h = stamp_width * scale, stamp_height * scale
            for box in _slide(edge, page_width, page_height, w, h, margin, words, prefer):
                overlap = sum(_overlap_area(box, word) for word in words)
                if overlap == 0.0:
                    return Placement(box, edge, scale, 0.0)
                if best is None or overlap < best.overlap_area:
                    best = Placement(box, edge, scale, overlap)
    if best is None:
        raise SigningError(
            "Con dấu chữ ký lớn hơn trang giấy",
            hint=f"trang {page_width:.0f}x{page_height:.0f}, con dấu {stamp_width:.0f}x{stamp_height:.0f}",
        )
    return best


def stamp_box_on_page(
    width_px: int, height_px: int, dpi: int, word_boxes_px: Sequence[Box], *, corner: Corner = "top-left"
) -> Box:
    """Where the digitization stamp goes on a page image of ``width_px`` x ``height_px`` at ``dpi``, clear of
    every word box (pixels, top-left origin): in points from the top-left, as ``sign_pdf`` takes it."""
    scale = 72.0 / dpi
    words = [tuple(v * scale for v in box) for box in word_boxes_px]
    placement = find_stamp_box(
        width_px * scale,
        height_px * scale,
        words,  # type: ignore[arg-type]
        stamp_width=STAMP_WIDTH,
        stamp_height=STAMP_HEIGHT,
        margin=STAMP_MARGIN,
        prefer=corner,
    )
    return placement.box


def to_pdf_rect(box: Box, page_height: float, *, origin: tuple[float, float] = (0.0, 0.0)) -> Box:
    """Top-left-origin box -> PDF user-space rectangle (bottom-left origin), shifted by the MediaBox origin."""
    x0, y0, x1, y1 = box
    ox, oy = origin
    return (ox + x0, oy + page_height - y1, ox + x1, oy + page_height - y0)


def _scales(min_scale: float, step: float) -> list[float]:
    scales, scale = [], 1.0
    while scale > min_scale + 1e-9:
        scales.append(round(scale, 6))
        scale -= step
    return [*scales, min_scale]


def _slide(
    edge: Edge, page_w: float, page_h: float, w: float, h: float, margin: float, words: list[Box], prefer: Corner
) -> Iterator[Box]:
    """Candidate boxes along one margin: the corner first, then just past each word, nearest first."""
    if edge in ("top", "bottom"):
        y = margin if edge == "top" else page_h - margin - h
        lo, hi = margin, page_w - margin - w
        if hi < lo or y < 0 or y + h > page_h:
            return
        stops = [lo, hi]
        for x0, y0, x1, y1 in words:
            if y0 < y + h + _GAP and y1 > y - _GAP:  # the word is in this band
                stops += [x1 + _GAP, x0 - _GAP - w]
        start = lo if prefer == "top-left" else hi
        for x in sorted({s for s in stops if lo <= s <= hi}, key=lambda s: abs(s - start)):
            yield (x, y, x + w, y + h)
    else:
        x = margin if edge == "left" else page_w - margin - w
        lo, hi = margin, page_h - margin - h
        if hi < lo or x < 0 or x + w > page_w:
            return
        stops = [lo, hi]
        for x0, y0, x1, y1 in words:
            if x0 < x + w + _GAP and x1 > x - _GAP:  # the word is in this strip
                stops += [y1 + _GAP, y0 - _GAP - h]
        for y in sorted({s for s in stops if lo <= s <= hi}):
            yield (x, y, x + w, y + h)


def _overlap_area(a: Box, b: Box) -> float:
    """Area shared by ``a`` and ``b`` grown by the clearance gap (0 when they only come close)."""
    dx = min(a[2], b[2] + _GAP) - max(a[0], b[0] - _GAP)
    dy = min(a[3], b[3] + _GAP) - max(a[1], b[1] - _GAP)
    return dx * dy if dx > _EPS and dy > _EPS else 0.0


def _normalise(box: Box) -> Box:
    x0, y0, x1, y1 = (float(v) for v in box)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
