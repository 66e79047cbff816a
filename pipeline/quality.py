"""Reception quality gate: what a desk clerk can act on, measured on the page before any OCR.

A clerk at the một cửa desk needs to know in seconds, while the citizen is still there, whether a scan
is usable: so the gate is pure OpenCV/numpy on the rasterized page (a reduced copy of it), never
Tesseract. It measures, rather than trusts, what decides OCR quality:

- resolution, from the size of the body text (x-height of 13–14 pt Times, which ND 30/2020 prescribes)
  cross-checked with the page size (A4); the file's own DPI claim is only compared with it;
- blur, as the width of text edges (the Gaussian sigma that explains the steepest edges for the page's
  ink-to-paper contrast), in pixels at 200 dpi so it means the same at any resolution;
- blank page (no ink once the scanner's dark borders are set aside);
- skew beyond what ``clean`` can straighten (measured over ±45° from the baselines of the letters);
- text cut by the image edge (letter-sized ink touching a side where no scanner border shows the paper's edge);
- too dark paper or too light ink.

Each finding is ``{"code", "severity", "message", "value", "limit"}``: a stable code, ``info`` /
``warning`` / ``error`` (an ``error`` means: scan this page again), a plain Vietnamese message naming
the page, the measured value and the limit it crossed. Every threshold lives in :class:`GateLimits`.

``page_findings`` adds what only OCR can tell (nothing read, orientation fixed) and merges the two so a
page never gets the same problem twice.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import cv2
import numpy as np

from pipeline import clean
from pipeline.models import PageResult
from pipeline.pages import snap_dpi

Severity = Literal["info", "warning", "error"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

# Sides in clockwise order, so turning the page by k x 90° clockwise moves a side k steps on.
SIDES = ("top", "right", "bottom", "left")
SIDE_NAMES = {"top": "mép trên", "right": "mép phải", "bottom": "mép dưới", "left": "mép trái"}

A4_LONG_SIDE_IN = 11.69
A4_ASPECT = math.sqrt(2.0)


@dataclass(frozen=True)
class GateLimits:
    """Every threshold of the gate, as data. Calibrated on generated pages (see the report in tests)."""

    # Resolution
    min_dpi: int = 200  # below this a page must be scanned again
    dpi_tolerance: float = 0.10  # a text-based estimate is good to about ±10 %: do not flag 190 dpi
    dpi_mismatch: float = 0.25  # the file's claim off by more than this from the measure: an info
    body_x_height_pt: float = 6.2  # x-height of 13.5 pt Times/Liberation Serif body text, in points
    min_glyphs: int = 25  # letters of the body size needed before the text says anything
    a4_aspect_tolerance: float = 0.04  # a page this close to 1:√2 is taken as a full A4 sheet
    size_text_agreement: float = 0.25  # page-size and text estimates this close: use the (exact) page size

    # Blur: Gaussian sigma of text edges, in pixels at 200 dpi (a sharp scan measures about 0.8)
    blur_warning: float = 1.8
    blur_error: float = 2.3

    # Ink and paper, on the 0-255 scale of the brightest channel
    ink_contrast: float = 0.20  # a pixel is ink when this much darker than the paper around it
    blank_ink_fraction: float = 0.0005  # less ink than this (of the page area) is a blank page
    dark_paper_warning: int = 160  # paper darker than this is a dark scan
    dark_paper_error: int = 120
    light_ink_warning: int = 110  # text lighter than this is faint
    light_ink_error: int = 150

    # Skew: what clean straightens, plus the precision of the measure
    max_fixable_skew: float = clean.MAX_SKEW
    skew_tolerance: float = 0.5

    # Cut-off edges: this many letters touching one side without a scanner border there
    cut_min_glyphs: int = 3

    # Working sizes (speed)
    work_long_side: int = 2000  # pixels; larger pages are reduced by an integer factor first
    small_long_side: int = 1000  # for paper level and borders


LIMITS = GateLimits()


@dataclass
class PageMeasures:
    """What the gate measured on one page (the raw numbers behind the findings)."""

    dpi_claimed: int
    dpi_claimed_estimated: bool  # the file said nothing; the claim is the page-size guess of ``pages``
    dpi_measured: int
    dpi_source: str  # "text" (x-height), "page_size" (A4 assumption), "page_size+text" (both agree)
    dpi_text: float | None
    dpi_page_size: float
    x_height_px: float | None  # in pixels of the page as given
    glyphs: int
    ink_fraction: float
    paper_level: float
    ink_level: float | None
    blur: float | None  # edge sigma, pixels at 200 dpi
    skew: float | None  # degrees; sign as clean.Geometry.skew (the turn that straightens the page)
    rotation: int  # clockwise turn that makes the page upright (names the sides)
    cut_sides: dict[str, int] = field(default_factory=dict)  # upright side -> letters cut there
    border_sides: list[str] = field(default_factory=list)  # sides (as scanned) where a dark border shows
    seconds: float = 0.0


@dataclass
class PageCheck:
    """One page's gate result: its measures and the findings a clerk reads."""

    number: int
    measures: PageMeasures
    findings: list[dict[str, Any]]

    @property
    def needs_rescan(self) -> bool:
        """An error-level finding: the page should be scanned again before the dossier is accepted."""
        return any(f["severity"] == "error" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "findings": self.findings, "measures": _rounded(asdict(self.measures))}


def _rounded(data: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in data.items()}


def finding(code: str, severity: Severity, message: str, value: Any = None, limit: Any = None) -> dict[str, Any]:
    """One finding in the shape of the result JSON (``value``/``limit`` only when measured)."""
    out: dict[str, Any] = {"code": code, "severity": severity, "message": message}
    if value is not None:
        out["value"] = value
    if limit is not None:
        out["limit"] = limit
    return out


# -- measuring -------------------------------------------------------------------------------------


def _gray(rgb: np.ndarray) -> np.ndarray:
    """Brightest channel (as ``clean.ink_gray``: red seals and blue signatures turn light), computed fast."""
    if rgb.ndim == 2:
        return rgb
    r, g, b = cv2.split(rgb)
    return cv2.max(cv2.max(r, g), b)


def _resize(img: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return img
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def _paper(gray_small: np.ndarray) -> np.ndarray:
    """The paper's brightness everywhere: a closing wipes out strokes, a blur smooths the rest."""
    h, w = gray_small.shape
    k = max(15, (min(h, w) // 20) | 1)
    bg = cv2.morphologyEx(gray_small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return cv2.GaussianBlur(bg, (0, 0), k / 4)


def _border_sides(paper_small: np.ndarray, level: float) -> list[str]:
    """Sides (as scanned) along which a dark band shows: the scanner saw past the paper's edge there."""
    h, w = paper_small.shape
    band = max(2, min(h, w) // 200)
    edges = {
        "top": paper_small[:band, :],
        "bottom": paper_small[h - band :, :],
        "left": paper_small[:, :band],
        "right": paper_small[:, w - band :],
    }
    return [side for side, px in edges.items() if float(np.median(px)) < 0.6 * level]


def _x_height(heights: np.ndarray) -> tuple[float | None, int]:
    """Body-text x-height from letter heights: the lowest strong peak among the taller letters.

    Letter heights cluster sharply at the x-height (a, c, e, m, n, o ...: all exactly as tall), more
    loosely at ~1.45x (ascenders, capitals: each a little different) and, for Vietnamese, at ~0.35x
    (tone marks and dots are separate components). Heights under half the 75th percentile (the
    marks) are dropped; of the rest, the lowest peak at least half as strong as the strongest is the
    x-height (an all-capitals page gives the capitals' height: too high, so never a false alarm).
    Peaks are counted over two adjacent pixel heights, as a size between two integers splits in two.
    """
    if len(heights) == 0:
        return None, 0
    floor = max(3.0, 0.5 * float(np.percentile(heights, 75)))
    tall = heights[heights >= floor].astype(np.int64)
    if len(tall) == 0:
        return None, 0
    hist = np.bincount(tall, minlength=int(tall.max()) + 2).astype(np.float64)
    pair = hist[:-1] + hist[1:]
    left = np.concatenate([[0.0], pair[:-1]])
    right = np.concatenate([pair[1:], [0.0]])
    peaks = np.nonzero((pair >= left) & (pair >= right) & (pair >= 0.5 * pair.max()))[0]
    i = int(peaks[0])
    near = tall[(tall == i) | (tall == i + 1)]
    return float(near.mean()), len(near)


def _baseline_angle(points: list[np.ndarray], *, coarse: float = 0.5, span: float = 45.0) -> tuple[float, float]:
    """Angle (degrees) that lines the points up best, over ±span: letters' baselines make sharp rows.

    ``points`` are (x, y) arrays of one kind (bottoms, tops ...); the score is the concentration of
    their projection (sum of squared bin counts), so one well-aligned text line outweighs scatter.
    """
    best_angle, best_score = 0.0, -1.0
    for pts in points:
        if len(pts) < 8:
            continue
        xs, ys = pts[:, 0], pts[:, 1]
        for step, lo, hi in ((coarse, -span, span), (0.05, None, None)):
            if lo is None:
                lo, hi = best_local - coarse, best_local + coarse
            angles = np.arange(lo, hi + 1e-9, step)
            scores = []
            for a in angles:
                r = math.radians(a)
                proj = ys * math.cos(r) + xs * math.sin(r)
                counts = np.bincount((proj - proj.min()).astype(np.int64))
                scores.append(float(np.square(counts.astype(np.float64)).sum()) / len(proj) ** 2)
            i = int(np.argmax(scores))
            best_local, local_score = float(angles[i]), scores[i]
        if local_score > best_score:
            best_angle, best_score = best_local, local_score
    return best_angle, best_score


def measure_page(
    rgb: np.ndarray,
    *,
    dpi: int,
    dpi_estimated: bool = False,
    rotation: int | None = None,
    limits: GateLimits = LIMITS,
) -> PageMeasures:
    """Measure one page as rasterized (RGB or grey, uint8); ``rotation`` from ``clean`` if known."""
    t0 = time.perf_counter()
    h0, w0 = rgb.shape[:2]
    long0 = max(h0, w0)
    factor = max(1, round(long0 / limits.work_long_side))
    gray_full = _gray(rgb)
    gray = gray_full if factor == 1 else _resize(gray_full, 1.0 / factor)
    h, w = gray.shape
    small = _resize(gray, limits.small_long_side / max(h, w))
    paper_small = _paper(small)
    paper_level = float(np.median(paper_small))
    border_sides = _border_sides(paper_small, paper_level)

    # Brightness relative to the local paper: uneven light and a dark scan look the same as a good one.
    paper = cv2.resize(paper_small, (w, h), interpolation=cv2.INTER_LINEAR)
    rel = cv2.divide(gray.astype(np.float32), np.maximum(paper, 1).astype(np.float32))
    dim = rel < 1.0 - limits.ink_contrast  # a fixed margin under the paper: a blank page's noise never counts
    dim_count = int(np.count_nonzero(dim))
    dpi_page = long0 / A4_LONG_SIDE_IN
    measures = PageMeasures(
        dpi_claimed=dpi,
        dpi_claimed_estimated=dpi_estimated,
        dpi_measured=snap_dpi(dpi_page),
        dpi_source="page_size",
        dpi_text=None,
        dpi_page_size=dpi_page,
        x_height_px=None,
        glyphs=0,
        ink_fraction=dim_count / float(h * w),
        paper_level=paper_level,
        ink_level=None,
        blur=None,
        skew=None,
        rotation=rotation or 0,
        border_sides=border_sides,
    )
    if measures.ink_fraction < limits.blank_ink_fraction:
        measures.seconds = time.perf_counter() - t0
        return measures

    # Letters: ink darker than halfway between paper and the darkest ink, so that blur neither merges
    # letters nor changes their height (a blurred edge still crosses the halfway level where it was).
    darkest = float(np.percentile(rel[dim], 5))
    ink = (rel < (1.0 + darkest) / 2.0).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    xs, ys, ws, hs, areas = (stats[1:, i] for i in range(5))
    touches_l, touches_t = xs <= 0, ys <= 0
    touches_r, touches_b = xs + ws >= w, ys + hs >= h
    touches = touches_l | touches_t | touches_r | touches_b
    big = (ws > 0.15 * w) | (hs > 0.15 * h) | (areas > 0.002 * h * w)
    border = touches & big
    measures.ink_fraction = float(areas[~border & (hs >= 2)].sum()) / float(h * w)
    if measures.ink_fraction < limits.blank_ink_fraction:
        measures.seconds = time.perf_counter() - t0
        return measures

    letterlike = ~border & (hs >= 3) & (ws <= 4 * hs) & (hs < h / 15)
    x_height, glyph_count = _x_height(hs[letterlike])
    measures.glyphs = glyph_count
    if rotation is None:
        rotation = clean.measure_geometry(rgb).rotation if glyph_count >= limits.min_glyphs else 0
        measures.rotation = rotation
    if x_height is None or glyph_count < limits.min_glyphs:
        measures.seconds = time.perf_counter() - t0
        return measures

    # Resolution: the text's size, cross-checked with an A4 page's size.
    dpi_text = x_height * factor * 72.0 / limits.body_x_height_pt
    aspect = long0 / max(1, min(h0, w0))
    a4_like = abs(aspect / A4_ASPECT - 1.0) <= limits.a4_aspect_tolerance
    if a4_like and abs(dpi_text / dpi_page - 1.0) <= limits.size_text_agreement:
        dpi_measured, source = dpi_page, "page_size+text"
    else:
        dpi_measured, source = dpi_text, "text"
    measures.dpi_text, measures.x_height_px = dpi_text, x_height * factor
    measures.dpi_measured, measures.dpi_source = snap_dpi(dpi_measured), source

    xh = x_height
    glyph = letterlike & (hs >= 0.6 * xh) & (hs <= 3.0 * xh) & (ws <= 6.0 * xh)
    lut = np.zeros(n, dtype=np.uint8)
    lut[np.nonzero(glyph)[0] + 1] = 255
    glyph_mask = lut[labels]
    measures.ink_level = float(np.percentile(gray[glyph_mask > 0], 10))
    measures.blur = _edge_sigma(rel, glyph_mask) * 200.0 / (dpi_measured / factor)
    measures.skew = _skew(xs[glyph], ys[glyph], ws[glyph], hs[glyph], xh)
    # Cut letters: letter-sized ink touching the edge (a cut letter may show only part of its height).
    cut = letterlike & (hs >= 0.3 * xh) & (hs <= 3.0 * xh) & (ws <= 6.0 * xh) & (areas >= 0.1 * xh * xh)
    for side, touching in zip(("left", "top", "right", "bottom"), (touches_l, touches_t, touches_r, touches_b)):
        count = int((cut & touching).sum())
        if count and side not in border_sides:
            measures.cut_sides[SIDES[(SIDES.index(side) + rotation // 90) % 4]] = count
    measures.seconds = time.perf_counter() - t0
    return measures


def _edge_sigma(rel: np.ndarray, glyph_mask: np.ndarray) -> float:
    """Gaussian sigma (pixels) of the letters' edges, from the slope at the middle of each edge.

    A step of contrast C blurred by sigma has a peak slope C / (sigma * sqrt(2 pi)). The slope is taken
    where it peaks across each edge (a local maximum of the gradient) and the median over all edges is
    used, so thin strokes, the first to fade, count as much as bold ones. Brightness is relative to the
    local paper, so uneven light and a dark scan measure the same.
    """
    x, y, w, h = cv2.boundingRect(glyph_mask)
    r = rel[y : y + h, x : x + w]
    m = glyph_mask[y : y + h, x : x + w]
    gx = cv2.Sobel(r, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(r, cv2.CV_32F, 0, 1, ksize=3)
    mag = cv2.magnitude(gx, gy) / 8.0  # Sobel's 3x3 kernel is 8x the slope
    band = cv2.dilate(m, np.ones((5, 5), np.uint8)) > 0
    peaks = band & (mag >= cv2.dilate(mag, np.ones((3, 3), np.uint8))) & (mag > 0.02)
    if not peaks.any():
        return float("inf")
    slope = float(np.median(mag[peaks]))
    contrast = 1.0 - float(np.percentile(r[m > 0], 10))
    return contrast / (slope * math.sqrt(2.0 * math.pi))


def _skew(xs: np.ndarray, ys: np.ndarray, ws: np.ndarray, hs: np.ndarray, xh: float) -> float | None:
    """Tilt of the text lines from the letters' bottoms (or tops, or sides for a page fed sideways)."""
    if len(xs) < 8:
        return None
    core = hs <= 1.3 * xh  # x-height letters sit exactly on the baseline and reach exactly the x-line
    x, y, w, h = (a[core].astype(np.float64) for a in (xs, ys, ws, hs))
    if len(x) < 8:
        return None
    cx, cy = x + w / 2, y + h / 2
    horizontal = [np.stack([cx, y + h], 1), np.stack([cx, y], 1)]
    vertical = [np.stack([cy, x + w], 1), np.stack([cy, x], 1)]  # swapped axes: a mirror, so the sign flips
    angle_h, score_h = _baseline_angle(horizontal)
    angle_v, score_v = _baseline_angle(vertical)
    return -angle_h if score_h >= score_v else angle_v


# -- judging ---------------------------------------------------------------------------------------


def judge(number: int, m: PageMeasures, limits: GateLimits = LIMITS) -> list[dict[str, Any]]:
    """Turn one page's measures into findings (plain Vietnamese, naming the page, 1-based)."""
    n = number
    out: list[dict[str, Any]] = []
    if m.ink_fraction < limits.blank_ink_fraction:
        out.append(
            finding(
                "blank_page",
                "warning",
                f"Trang {n} là trang trắng, vui lòng kiểm tra lại",
                round(m.ink_fraction, 5),
                limits.blank_ink_fraction,
            )
        )
        return out

    floor = round(limits.min_dpi * (1.0 - limits.dpi_tolerance))
    if m.dpi_measured < floor:
        out.append(
            finding(
                "low_resolution",
                "error",
                f"Trang {n} có độ phân giải khoảng {m.dpi_measured} dpi, dưới {limits.min_dpi} dpi, "
                f"vui lòng quét lại ở 200–300 dpi",
                m.dpi_measured,
                limits.min_dpi,
            )
        )
    if not m.dpi_claimed_estimated and abs(m.dpi_claimed / m.dpi_measured - 1.0) > limits.dpi_mismatch:
        out.append(
            finding(
                "dpi_mismatch",
                "info",
                f"Trang {n}: tệp ghi {m.dpi_claimed} dpi nhưng đo được khoảng {m.dpi_measured} dpi",
                m.dpi_measured,
                m.dpi_claimed,
            )
        )

    if m.blur is not None and m.blur > limits.blur_warning:
        bad = m.blur > limits.blur_error
        out.append(
            finding(
                "blurred",
                "error" if bad else "warning",
                f"Trang {n} bị mờ, vui lòng quét lại"
                if bad
                else f"Trang {n} hơi mờ, nên quét lại nếu chữ khó đọc",
                round(m.blur, 2),
                limits.blur_error if bad else limits.blur_warning,
            )
        )

    if m.skew is not None and abs(m.skew) > limits.max_fixable_skew + limits.skew_tolerance:
        out.append(
            finding(
                "skew_unfixable",
                "error",
                f"Trang {n} bị nghiêng khoảng {abs(m.skew):.0f}°, quá {limits.max_fixable_skew:g}° nên không chỉnh "
                f"thẳng được, vui lòng đặt giấy thẳng và quét lại",
                round(m.skew, 1),
                limits.max_fixable_skew,
            )
        )

    cut = [side for side in SIDES if m.cut_sides.get(side, 0) >= limits.cut_min_glyphs]
    if cut:
        where = " và ".join(SIDE_NAMES[s] for s in cut)
        out.append(
            finding(
                "cut_off",
                "error",
                f"Trang {n} bị mất chữ ở {where}, vui lòng đặt giấy ngay ngắn và quét lại",
                {s: m.cut_sides[s] for s in cut},
                limits.cut_min_glyphs,
            )
        )

    if m.paper_level < limits.dark_paper_warning:
        bad = m.paper_level < limits.dark_paper_error
        out.append(
            finding(
                "too_dark",
                "error" if bad else "warning",
                f"Trang {n} quá tối, vui lòng quét lại với độ sáng cao hơn"
                if bad
                else f"Trang {n} hơi tối, nên quét lại với độ sáng cao hơn",
                round(m.paper_level),
                limits.dark_paper_error if bad else limits.dark_paper_warning,
            )
        )
    if m.ink_level is not None and m.ink_level > limits.light_ink_warning:
        bad = m.ink_level > limits.light_ink_error
        out.append(
            finding(
                "too_light",
                "error" if bad else "warning",
                f"Trang {n} quá nhạt, chữ không rõ, vui lòng quét lại với độ đậm cao hơn"
                if bad
                else f"Trang {n} hơi nhạt, nên quét lại với độ đậm cao hơn",
                round(m.ink_level),
                limits.light_ink_error if bad else limits.light_ink_warning,
            )
        )
    return sorted(out, key=lambda f: SEVERITY_ORDER[f["severity"]])


def check_page(
    rgb: np.ndarray,
    *,
    number: int,
    dpi: int,
    dpi_estimated: bool = False,
    rotation: int | None = None,
    limits: GateLimits = LIMITS,
) -> PageCheck:
    """The reception gate on one rasterized page: measures and findings, no OCR (well under 0.3 s)."""
    measures = measure_page(rgb, dpi=dpi, dpi_estimated=dpi_estimated, rotation=rotation, limits=limits)
    return PageCheck(number, measures, judge(number, measures, limits))


# -- after OCR -------------------------------------------------------------------------------------

LARGE_SKEW = 4.5
# Post-OCR findings that the gate, when it ran, already answers better (measured, not claimed).
COVERED_BY_GATE = {
    "low_resolution": {"low_resolution"},
    "blank_page": {"blank_page"},
    "large_skew": {"skew_unfixable"},
    "no_text": {"blank_page"},
}


def page_findings(
    page: PageResult, ocr_image: np.ndarray, gate: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """All findings of a processed page: the gate's (if it ran) plus what OCR adds, without repeats.

    Without ``gate`` this reports the resolution the file claims; with it, the measured one only.
    """
    n = page.number
    post: list[dict[str, Any]] = []
    ink = float((ocr_image < 128).mean())
    if ink < 0.002:
        post.append(finding("blank_page", "warning", f"Trang {n} là trang trắng, vui lòng kiểm tra lại"))
    if gate is None and page.dpi < LIMITS.min_dpi:
        how = "ước tính" if page.dpi_estimated else "theo tệp"
        post.append(
            finding(
                "low_resolution",
                "warning",
                f"Trang {n} có độ phân giải {page.dpi} dpi ({how}), dưới {LIMITS.min_dpi} dpi, vui lòng quét lại",
                page.dpi,
                LIMITS.min_dpi,
            )
        )
    if page.rotation:
        post.append(finding("rotated", "info", f"Trang {n} bị quay {page.rotation}°, đã xoay lại", page.rotation))
    if abs(page.skew) > LARGE_SKEW:
        post.append(
            finding(
                "large_skew",
                "warning",
                f"Trang {n} bị nghiêng {abs(page.skew):.1f}°, đã chỉnh thẳng",
                round(page.skew, 1),
                LARGE_SKEW,
            )
        )
    if ink >= 0.002 and not page.words:
        post.append(finding("no_text", "warning", f"Trang {n} không đọc được chữ nào, vui lòng quét lại"))
    return merge_findings(gate or [], post)


def merge_findings(gate: list[dict[str, Any]], post: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gate findings first, then post-OCR ones the gate does not already cover; errors before warnings."""
    seen = {f["code"] for f in gate}
    extra = [f for f in post if f["code"] not in seen and not (COVERED_BY_GATE.get(f["code"], set()) & seen)]
    return sorted([*gate, *extra], key=lambda f: SEVERITY_ORDER.get(f["severity"], 3))
