"""Perspective correction of phone photos: find the sheet on the table and warp it flat before orientation.

A photo is not an affine image of the page: the far edge is shorter, the sheet lies on a background and
the light falls off across it. Orientation, skew and OCR assume a flat scan, so a photographed page is
first cut out along its quadrilateral, warped to a rectangle of the paper's aspect ratio, and its light
evened. A flat scan (paper to the edges, or an axis-aligned sheet inside scanner borders) is never touched.

Finding the sheet: on a small copy with the text closed away, paper is brighter than what lies around it
wherever the light falls, so the log-brightness minus a smooth (quadratic) light surface fitted on the
paper separates the two with one Otsu threshold; three rounds settle the surface and the sheet together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from pipeline.clean import ink_gray, normalize_light, paper_background

ANALYSIS_SIZE = 800  # px, long side of the copy the sheet is looked for on
MIN_AREA = 0.12  # the sheet covers at least this share of the photo (a card held alone: ~0.2)
MAX_AREA = 0.97  # and leaves background around it
EDGE_GAP = 0.004  # every corner at least this share of the side from the image edge
MIN_CONTRAST = 0.12  # log-brightness step from background to paper (white on a beige table: ~0.45)
MIN_SLANT = 0.008  # share of the long side a corner must stray from an upright rectangle: not a scan
EDGE_TRIM = 0.006  # share of the sheet's long side trimmed off each edge (1.8 mm of A4: inside any margin)
ISO_RATIO = 2**0.5  # A4 and A5 sheets
CARD_RATIO = 85.6 / 53.98  # an ID-1 card (CCCD, driving licence)
# A measured aspect ratio this close to a known paper's is that paper's (perspective foreshortens the
# sides); between ISO and the card the nearer ratio wins.
PAPER_RATIOS = (ISO_RATIO, CARD_RATIO)
RATIO_SNAP = 0.10
# A flattened card is drawn at least this long (445 dpi: its print's x-height about 20 px, where Tesseract
# reads it best; on family A cards photographed at 300 dpi, 34 wrong fields of 190 instead of 49). Only a
# card photographed at 180 dpi or more: a smaller one must still read as low resolution at the gate.
CARD_MIN_PX = 1500
CARD_MIN_CAPTURE_PX = round(85.6 / 25.4 * 180)


@dataclass(frozen=True)
class Sheet:
    """The photographed sheet: its corners in the photo (top-left, top-right, bottom-right, bottom-left)."""

    corners: np.ndarray  # (4, 2) float32, full-resolution pixels
    contrast: float  # paper over background, log-brightness

    def finding(self, page_number: int) -> dict[str, Any]:
        """The page finding (``info``): the page was a photo and was flattened along these corners."""
        return {
            "code": "perspective_corrected",
            "severity": "info",
            "message": f"Trang {page_number}: ảnh chụp, đã nắn phối cảnh theo bốn góc tờ giấy",
            "value": {"corners": [[round(float(x), 1), round(float(y), 1)] for x, y in self.corners]},
        }


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left (by the sums and differences of x, y)."""
    pts = np.asarray(points, np.float32).reshape(-1, 2)
    s = pts.sum(axis=1)
    d = pts[:, 1] - pts[:, 0]
    return np.float32([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]])


def _largest(bw: np.ndarray) -> np.ndarray | None:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bw)
    if n < 2:
        return None
    return (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)


def _quadratic_terms(shape: tuple[int, int]) -> np.ndarray:
    h, w = shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    xs /= w
    ys /= h
    return np.stack([np.ones_like(xs), xs, ys, xs * xs, ys * ys, xs * ys], axis=-1)


def _light_surface(logi: np.ndarray, mask: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """A quadratic surface fitted to log-brightness where ``mask`` is set: the light falling on the paper."""
    on = np.zeros(mask.shape, bool)
    on[::4, ::4] = mask[::4, ::4] > 0  # a regular sample fits the same six numbers
    coef, *_ = np.linalg.lstsq(terms[on], logi[on], rcond=None)
    return terms @ coef.astype(np.float32)


def _quad(mask: np.ndarray) -> np.ndarray | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            return order_corners(approx)
    return None


def find_sheet(rgb: np.ndarray, *, upright: bool = False) -> Sheet | None:
    """The sheet's quadrilateral when ``rgb`` is a photo of a sheet on a background; None for a flat scan.

    ``upright``: also a sheet lying square in the picture, which is never warped (it may be a scan's
    borders) but whose shape still tells the reception gate the paper's size.
    """
    h, w = rgb.shape[:2]
    scale = min(1.0, ANALYSIS_SIZE / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    gray = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    k = max(3, max(gray.shape) // 60) | 1
    closed = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    logi = np.log(cv2.GaussianBlur(closed, (5, 5), 0).astype(np.float32) + 1.0)
    flat = logi
    terms = _quadratic_terms(logi.shape)
    mask = None
    for _ in range(3):
        if float(flat.max() - flat.min()) < MIN_CONTRAST:
            return None  # one flat tone: paper to the edges
        u8 = cv2.normalize(flat, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
        _, bw = cv2.threshold(u8, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        mask = _largest(bw)
        if mask is None or mask.all():
            return None
        flat = logi - _light_surface(logi, mask, terms)
    assert mask is not None
    area = float(mask.mean())
    if not MIN_AREA <= area <= MAX_AREA:
        return None
    contrast = float(np.median(flat[mask > 0]) - np.median(flat[mask == 0]))
    if contrast < MIN_CONTRAST:
        return None
    corners = _quad(mask)
    if corners is None:
        return None
    sh, sw = mask.shape
    gap = EDGE_GAP * max(sh, sw)
    inside = (corners[:, 0] >= gap) & (corners[:, 0] <= sw - 1 - gap)
    inside &= (corners[:, 1] >= gap) & (corners[:, 1] <= sh - 1 - gap)
    if not inside.all():
        return None  # the sheet runs off the image: a scan, or a photo too tight to trust
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    upright_box = np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    if not upright and float(np.abs(corners - upright_box).max()) < MIN_SLANT * max(sh, sw):
        return None  # an upright rectangle inside dark strips: a scan's borders, which the cleaning removes
    return Sheet(corners / scale, contrast)


def target_size(corners: np.ndarray) -> tuple[int, int]:
    """Width and height of the flattened sheet: its longer opposite sides, the ratio snapped to ISO paper or
    an ID card, so that the reception gate can tell the sheet's physical size from its shape."""
    tl, tr, br, bl = corners
    width = max(float(np.linalg.norm(tr - tl)), float(np.linalg.norm(br - bl)))
    height = max(float(np.linalg.norm(bl - tl)), float(np.linalg.norm(br - tr)))
    long, short = max(width, height), min(width, height)
    ratio = min(PAPER_RATIOS, key=lambda r: abs(np.log(long / short / r)))
    if abs(long / short / ratio - 1) < RATIO_SNAP:
        long = short * ratio
    if width >= height:
        return round(long), round(short)
    return round(short), round(long)


def warp(rgb: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The sheet cut out along ``corners`` and warped to an upright rectangle of the paper's proportions
    (a card's, enlarged for its small print: see ``CARD_MIN_PX``)."""
    w, h = target_size(corners)
    long = max(w, h)
    if abs(long / min(w, h) / CARD_RATIO - 1) < 0.01 and CARD_MIN_CAPTURE_PX <= long < CARD_MIN_PX:
        k = CARD_MIN_PX / long  # a card's small print, drawn larger in the one interpolation there is
        w, h = round(w * k), round(h * k)
    m = round(EDGE_TRIM * max(w, h))  # the sheet's edge, found to a few pixels, must not bring the table in
    dst = np.float32([[-m, -m], [w - 1 + m, -m], [w - 1 + m, h - 1 + m], [-m, h - 1 + m]])
    matrix = cv2.getPerspectiveTransform(np.float32(corners), dst)
    return cv2.warpPerspective(rgb, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def flatten_light(rgb: np.ndarray) -> np.ndarray:
    """The light's fall-off divided out, the same for every channel so seals and blue ink keep their colour.

    The paper's own tint under the lamp is then set to white by one gain per channel (its median).
    """
    if rgb.ndim == 2:
        return normalize_light(rgb)
    background = np.maximum(paper_background(ink_gray(rgb)), 1).astype(np.float32)
    even = rgb.astype(np.float32) * (255.0 / background)[..., None]
    paper = even[::8, ::8].reshape(-1, 3)
    gain = 255.0 / np.maximum(np.median(paper, axis=0), 1.0)
    return np.clip(even * gain + 0.5, 0, 255).astype(np.uint8)


def correct(rgb: np.ndarray) -> tuple[np.ndarray, Sheet | None]:
    """The page flattened when it is a photo of a sheet, with the sheet found; a scan unchanged, with None."""
    sheet = find_sheet(rgb)
    if sheet is None:
        return rgb, None
    return flatten_light(warp(rgb, sheet.corners)), sheet
