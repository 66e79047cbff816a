"""Reception quality gate: what a desk clerk can act on, measured on the page before any OCR.

A clerk at the một cửa desk needs to know within seconds, while the citizen is still at the desk,
whether a scan is usable. So the gate is pure OpenCV/numpy on the rasterized page (reduced to at most
about 2000 px), never Tesseract, and it measures instead of trusting what the file says:

- resolution, from the size of the body text (the x-height of 13–14 pt Times, the size ND 30/2020
  prescribes) and, on an image shaped like an A4 or A5 sheet or an ID card (a flattened phone photo of
  one is snapped to its shape), from the paper's known size; the file's own DPI is only compared with it;
- blur, as the width of the letters' edges (the Gaussian sigma that explains their slope for the
  page's ink-to-paper contrast), in pixels at the scale where body text is 200 dpi;
- blank page (no ink once the scanner's dark borders are set aside);
- skew beyond what ``clean`` straightens (measured over ±45° from where the letters sit);
- text cut by the image edge (letters, or the slivers of a cut line, touching a side where no scanner
  border shows the paper's own edge);
- paper too dark, ink too light.

A finding is ``{"code", "severity", "message", "value", "limit"}``: a stable code, ``info`` /
``warning`` / ``error`` (``error`` means: scan this page again), a plain Vietnamese message naming the
page (1-based in the dossier), the measured value and the limit it crossed. Every threshold is in
:class:`GateLimits`; the calibration on generated pages is summarised there.

``page_findings`` adds what only OCR can tell (nothing read, orientation fixed) and merges both lists
so a page never gets the same problem twice.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import cv2
import numpy as np

from pipeline import clean, perspective
from pipeline.models import PageResult
from pipeline.pages import snap_dpi

Severity = Literal["info", "warning", "error"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}

# Sides in clockwise order: turning the page k x 90° clockwise moves each side k steps on.
SIDES = ("top", "right", "bottom", "left")
SIDE_NAMES = {"top": "mép trên", "right": "mép phải", "bottom": "mép dưới", "left": "mép trái"}

A4_LONG_SIDE_IN = 11.69
A4_ASPECT = math.sqrt(2.0)
A5_LONG_SIDE_IN = 8.27
CARD_LONG_SIDE_IN = 85.6 / 25.4  # ID-1: CCCD, driving licence
CARD_ASPECT = 85.6 / 53.98


@dataclass(frozen=True)
class GateLimits:
    """Every threshold of the gate, as data.

    Calibrated on generated pages (samples.generator, 5 document kinds): clean, office and harsh
    presets at 200 dpi raise nothing (70 pages); the text-based resolution is within ±5 % from 100 to
    600 dpi; text pages have 2-5 % ink, blank ones 0 even with borders and noise; a sharp page measures
    blur 0.8, office 0.85-0.9, harsh (sigma 0.7-1.4 plus noise and JPEG) at most 1.55; with a Gaussian
    blur of sigma 1.5 / 2 / 2.5 / 3 px (at 200 dpi) the gate measures 1.7 / 2.25 / 2.9 / 3.8 while
    Tesseract's CER goes from 0.5 % (sharp) to 1.1 % / 5 % / 5-10 % / 14-16 %.
    """

    # Resolution
    min_dpi: int = 200  # below this a page is to be scanned again
    dpi_tolerance: float = 0.10  # measured this far under min_dpi is still accepted (estimate error)
    dpi_mismatch: float = 0.25  # the file's claim this far from the measure: an info finding
    body_x_height_pt: float = 6.2  # x-height of 13.5 pt Times / Liberation Serif text, in points
    min_glyphs: int = 25  # body-size letters needed before the text is measured at all
    a4_aspect_tolerance: float = 0.04  # an image this close to 1:√2 is taken as a whole A4 sheet
    card_aspect_tolerance: float = 0.02  # this close to 85.6:54 mm, a whole ID card (its small print
    # would measure about half the resolution: the card's size is the measure)
    size_text_agreement: float = 0.25  # page size and text agree this well: report the (exact) page size

    # Blur: Gaussian sigma of the letters' edges, pixels at 200 dpi of body text
    blur_warning: float = 1.9
    blur_error: float = 2.5

    # Ink and paper, 0-255 in the brightest channel (so red seals and blue signatures count as paper)
    ink_contrast: float = 0.20  # a pixel is ink when at least this much darker than the paper around it
    blank_ink_fraction: float = 0.0005  # less ink than this, of the page area: a blank page
    dark_paper_warning: int = 160  # paper darker than this: a dark scan (office pages measure 250-255)
    dark_paper_error: int = 120
    light_ink_warning: int = 110  # darkest ink lighter than this: faint text (office pages measure 0-3)
    light_ink_error: int = 150

    # Skew: what clean straightens, plus the precision of the measure (0.05° on generated pages)
    max_fixable_skew: float = clean.MAX_SKEW
    skew_tolerance: float = 0.5

    # Cut edges: this many pieces of text touching one side that shows no scanner border
    cut_min_pieces: int = 3

    # Working sizes (speed): larger pages are first reduced by an integer factor
    work_long_side: int = 2000
    small_long_side: int = 1000  # for the paper level and the scanner borders

    @property
    def low_dpi(self) -> int:
        """Measured under this, a page is to be scanned again (``min_dpi`` less the estimate's error)."""
        return round(self.min_dpi * (1.0 - self.dpi_tolerance))


LIMITS = GateLimits()


@dataclass
class PageMeasures:
    """What the gate measured on one page: the numbers behind the findings."""

    dpi_claimed: int  # what the page stage rasterized at (from the file, or guessed from the size)
    dpi_claimed_estimated: bool  # the file said nothing: the claim is itself a guess
    dpi_measured: int | None  # None: neither shaped like a known paper nor enough text to tell
    dpi_source: str  # "page_size+text" (both agree), "text", "page_size" or "unknown"
    dpi_text: float | None
    dpi_page_size: float | None  # only for an image shaped like a known paper
    x_height_px: float | None  # body text x-height, pixels of the page as given
    glyphs: int  # letters at the body x-height
    ink_fraction: float
    paper_level: float
    ink_level: float | None  # 10th percentile of the letters' pixels
    blur: float | None
    skew: float | None  # degrees, the sign of clean.Geometry.skew (the turn that straightens)
    rotation: int | None  # clockwise turn to upright, as given or (only to name a cut side) measured
    cut_sides: dict[str, int] = field(default_factory=dict)  # upright side -> pieces of text touching it
    border_sides: list[str] = field(default_factory=list)  # sides as scanned where a scanner border shows
    seconds: float = 0.0
    paper: str | None = None  # "a4", "a5" or "id_card": the known paper the image is shaped like


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
        measures = {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self.measures).items()}
        return {"number": self.number, "findings": self.findings, "measures": measures}


def finding(code: str, severity: Severity, message: str, value: Any = None, limit: Any = None) -> dict[str, Any]:
    """One finding in the shape of the result JSON; ``value`` and ``limit`` only when something was measured."""
    out: dict[str, Any] = {"code": code, "severity": severity, "message": message}
    if value is not None:
        out["value"] = value
    if limit is not None:
        out["limit"] = limit
    return out


# -- measuring -------------------------------------------------------------------------------------


def _gray(rgb: np.ndarray) -> np.ndarray:
    """Brightest channel (coloured ink turns light): ``clean.ink_gray``, for RGB or already grey pages."""
    return rgb if rgb.ndim == 2 else clean.ink_gray(rgb)


def _reduce(img: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return img
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def _outside_paper(small: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Where the scanner saw past the paper (large dark bands from an edge), and along which sides.

    A side counts when such bands cover half of it: text cannot be cut there, since the paper's own
    edge is in the picture.
    """
    h, w = small.shape
    dark = (small < 0.5 * float(np.percentile(small, 90))).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    x, y, bw, bh = (stats[1:, i] for i in range(4))
    band = ((x <= 0) | (y <= 0) | (x + bw >= w) | (y + bh >= h)) & ((bw > 0.15 * w) | (bh > 0.15 * h))
    lut = np.zeros(n, dtype=np.uint8)
    lut[np.nonzero(band)[0] + 1] = 255
    mask = lut[labels]
    edges = {"top": mask[0, :], "bottom": mask[-1, :], "left": mask[:, 0], "right": mask[:, -1]}
    return mask, [side for side, px in edges.items() if np.count_nonzero(px) > 0.5 * len(px)]


def _paper(small: np.ndarray) -> np.ndarray:
    """The paper's brightness everywhere: a closing wipes out the strokes, a blur smooths the rest."""
    h, w = small.shape
    k = max(15, (min(h, w) // 20) | 1)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return cv2.GaussianBlur(bg, (0, 0), k / 4)


def _x_height(heights: np.ndarray) -> tuple[float | None, int]:
    """Body-text x-height from letter heights: the lowest strong peak among the taller letters.

    Heights cluster sharply at the x-height (a, c, e, m, n, o ...: all exactly as tall), loosely at
    ~1.45x (ascenders and capitals, each a little different) and, in Vietnamese, at ~0.35x (tone marks
    are separate components). Heights under half the 75th percentile (the marks) are dropped; of the
    rest the lowest peak at least half as strong as the strongest is the x-height. An all-capitals page
    gives the capitals' height: too large, so it can hide a low resolution but never invent one.
    Peaks are counted over two adjacent heights, since a size between two integers splits in two.
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
    i = int(np.nonzero((pair >= left) & (pair >= right) & (pair >= 0.5 * pair.max()))[0][0])
    near = tall[(tall == i) | (tall == i + 1)]
    return float(near.mean()), len(near)


def _alignment(xs: np.ndarray, ys: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """For each angle, how tightly the points fall into rows of that slope (sum of squared row counts)."""
    out = np.empty(len(angles))
    for i, a in enumerate(np.deg2rad(angles)):
        proj = ys * math.cos(a) + xs * math.sin(a)
        counts = np.bincount((proj - proj.min()).astype(np.int64)).astype(np.float64)
        out[i] = float(np.square(counts).sum())
    return out / len(xs) ** 2


def _line_angle(xs: np.ndarray, ys: np.ndarray, span: float = 45.0) -> tuple[float, float]:
    """Slope (degrees, within ±span) of the rows the points form, to 0.05°, and how sharp those rows are."""
    coarse = np.arange(-span, span + 1e-9, 0.5)
    best = float(coarse[int(np.argmax(_alignment(xs, ys, coarse)))])
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    scores = _alignment(xs, ys, fine)
    i = int(np.argmax(scores))
    return float(fine[i]), float(scores[i])


def _lines(xs: np.ndarray, ys: np.ndarray, ws: np.ndarray, hs: np.ndarray, sideways: bool) -> tuple[float, float]:
    """Tilt of the text lines (degrees, sign of clean.Geometry.skew) and how sharp they are.

    From x-height letters: they sit exactly on the baseline and reach exactly the x-line, so their
    bottoms (or tops; sides for a page fed sideways) fall in sharp rows. x and y swapped is a mirror,
    so the sideways angle's sign flips. ±45° on either axis covers every direction.
    """
    x, y, w, h = (a.astype(np.float64) for a in (xs, ys, ws, hs))
    if sideways:
        cands = ((y + h / 2, x + w, 1.0), (y + h / 2, x, 1.0))
    else:
        cands = ((x + w / 2, y + h, -1.0), (x + w / 2, y, -1.0))
    best_score, best = -1.0, 0.0
    for px, py, sign in cands:
        angle, score = _line_angle(px, py)
        if score > best_score:
            best_score, best = score, sign * angle
    return best + 0.0, best_score  # + 0.0: no -0.0 in the JSON


@dataclass
class _Letters:
    """The page's letters read along one axis: their x-height, which components they are, the lines' tilt."""

    sideways: bool  # text lines run along y: the page was fed turned by a quarter
    x_height: float
    count: int  # letters at the x-height
    tall: np.ndarray  # per component: size across the text line
    wide: np.ndarray  # per component: size along the text line
    glyph: np.ndarray  # body-size letters
    skew: float
    score: float


def _letters(
    xs: np.ndarray, ys: np.ndarray, ws: np.ndarray, hs: np.ndarray, keep: np.ndarray, long_side: int, min_count: int
) -> _Letters | None:
    """Read the components as text lying as scanned, then as text fed sideways; keep the sharper lines.

    The letters decide the axis themselves rather than trusting an orientation measured elsewhere:
    a photo of a page on a dark desk can mislead a whole-page method, never the letters' own rows.
    """
    best: _Letters | None = None
    for sideways in (False, True):
        tall, wide = (ws, hs) if sideways else (hs, ws)
        letterlike = keep & (tall >= 3) & (wide <= 4 * tall) & (tall < long_side / 15)
        x_height, count = _x_height(tall[letterlike])
        if x_height is None or count < min_count:
            continue
        glyph = letterlike & (tall >= 0.6 * x_height) & (tall <= 3.0 * x_height) & (wide <= 6.0 * x_height)
        core = glyph & (tall <= 1.3 * x_height)
        if np.count_nonzero(core) < 8:
            continue
        skew, score = _lines(xs[core], ys[core], ws[core], hs[core], sideways)
        if best is None or score > best.score:
            best = _Letters(sideways, x_height, count, tall, wide, glyph, skew, score)
    return best


def _edge_sigma(rel: np.ndarray, glyph_mask: np.ndarray) -> float | None:
    """Gaussian sigma (pixels) of the letters' edges, from the slope at the middle of each edge.

    A step of contrast C blurred by sigma has a peak slope of C / (sigma * sqrt(2 pi)). The slope is
    read where it peaks across each edge (a local maximum of the gradient) and the median over all
    edges is used, so thin strokes, the first to fade, count as much as bold ones. Brightness is
    relative to the local paper, so uneven light and a dark scan measure the same.
    """
    x, y, w, h = cv2.boundingRect(glyph_mask)
    r = rel[y : y + h, x : x + w]
    m = glyph_mask[y : y + h, x : x + w]
    gx = cv2.Sobel(r, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(r, cv2.CV_32F, 0, 1, ksize=3)
    slope = cv2.magnitude(gx, gy) / 8.0  # the 3x3 Sobel kernel is 8x the slope
    near = cv2.dilate(m, np.ones((5, 5), np.uint8)) > 0
    peaks = near & (slope >= cv2.dilate(slope, np.ones((3, 3), np.uint8))) & (slope > 0.02)
    if not peaks.any():
        return None
    contrast = 1.0 - float(np.percentile(r[m > 0], 10))
    return contrast / (float(np.median(slope[peaks])) * math.sqrt(2.0 * math.pi))


PAPER_LONG_SIDE_IN = {"a4": A4_LONG_SIDE_IN, "id_card": CARD_LONG_SIDE_IN}


def paper_shape(width: int, height: int, limits: GateLimits = LIMITS) -> str | None:
    """The known paper an image of this size is shaped like ("a4", "id_card"), or None.

    Why: the paper's physical size gives the resolution without trusting the text's size, which on an
    ID card is small print and would read as about half the true resolution.
    """
    ratio = max(width, height) / max(1, min(width, height))
    if abs(ratio / A4_ASPECT - 1.0) <= limits.a4_aspect_tolerance:
        return "a4"
    if abs(ratio / CARD_ASPECT - 1.0) <= limits.card_aspect_tolerance:
        return "id_card"
    return None


def _paper_on_background(rgb: np.ndarray, limits: GateLimits) -> tuple[str | None, float]:
    """A known paper (its name and long side in pixels) lying whole in the picture, square or not.

    Why: a card photographed straight on is not flattened (it could be a scan's borders), yet its
    outline still gives its size, where its small print would call it half the resolution.
    """
    sheet = perspective.find_sheet(rgb, upright=True)
    if sheet is None:
        return None, 0.0
    w, h = perspective.target_size(sheet.corners)
    return paper_shape(w, h, limits), float(max(w, h))


def measure_page(
    rgb: np.ndarray,
    *,
    dpi: int,
    dpi_estimated: bool = False,
    rotation: int | None = None,
    limits: GateLimits = LIMITS,
) -> PageMeasures:
    """Measure one rasterized page (RGB or grey, uint8, as scanned: not yet turned upright).

    ``rotation`` is the clockwise turn that makes the page upright (``clean.Geometry.rotation``). It
    only names the side a cut is on, so without it ``clean`` measures it only when a cut is found; the
    axis the letters stand on is read from the letters themselves.
    """
    t0 = time.perf_counter()
    h0, w0 = rgb.shape[:2]
    long0 = max(h0, w0)
    factor = max(1, round(long0 / limits.work_long_side))
    gray = _reduce(_gray(rgb), 1.0 / factor)
    h, w = gray.shape
    small = _reduce(gray, limits.small_long_side / max(h, w))
    outside, border_sides = _outside_paper(small)
    if outside.any() and not outside.all():  # borders take the paper's level, so they leave no trace
        small = small.copy()
        small[outside > 0] = int(np.median(small[outside == 0]))
    paper_small = _paper(small)

    # Brightness relative to the local paper: uneven light or a dark scan do not change what is ink.
    paper = cv2.resize(paper_small, (w, h), interpolation=cv2.INTER_LINEAR)
    rel = cv2.divide(gray.astype(np.float32), np.maximum(paper, 1).astype(np.float32))
    if outside.any():  # beyond the paper's edge, and its soft rim, nothing is ink
        rim = cv2.dilate(outside, np.ones((5, 5), np.uint8))
        rel[cv2.resize(rim, (w, h), interpolation=cv2.INTER_NEAREST) > 0] = 1.0
    dim = rel < 1.0 - limits.ink_contrast  # a fixed margin under the paper: noise on a blank page never counts

    paper = paper_shape(w0, h0, limits)
    dpi_page = long0 / PAPER_LONG_SIDE_IN[paper] if paper else None
    m = PageMeasures(
        dpi_claimed=dpi,
        dpi_claimed_estimated=dpi_estimated,
        dpi_measured=snap_dpi(dpi_page) if dpi_page else None,
        dpi_source="page_size" if dpi_page else "unknown",
        dpi_text=None,
        dpi_page_size=dpi_page,
        x_height_px=None,
        glyphs=0,
        ink_fraction=float(np.count_nonzero(dim)) / float(h * w),
        paper_level=float(np.median(paper_small)),
        ink_level=None,
        blur=None,
        skew=None,
        rotation=rotation,
        border_sides=border_sides,
        paper=paper,
    )
    if m.ink_fraction < limits.blank_ink_fraction:
        m.seconds = time.perf_counter() - t0
        return m

    # Letters: darker than halfway between the paper and the darkest ink, so that blur neither merges
    # letters nor changes their height (a blurred edge still crosses the halfway level where it was).
    darkest = float(np.percentile(rel[dim], 5))
    n, labels, stats, _ = cv2.connectedComponentsWithStats((rel < (1.0 + darkest) / 2).astype(np.uint8), connectivity=8)
    xs, ys, ws, hs, areas = (stats[1:, i] for i in range(5))
    on_side = {"left": xs <= 0, "top": ys <= 0, "right": xs + ws >= w, "bottom": ys + hs >= h}
    touches = on_side["left"] | on_side["top"] | on_side["right"] | on_side["bottom"]
    shadow = touches & ((ws > 0.15 * w) | (hs > 0.15 * h) | (areas > 0.002 * h * w))  # lid shadows, bands
    m.ink_fraction = float(areas[~shadow & (hs >= 2)].sum()) / float(h * w)
    if m.ink_fraction < limits.blank_ink_fraction:
        m.seconds = time.perf_counter() - t0
        return m

    text = _letters(xs, ys, ws, hs, ~shadow, max(h, w), limits.min_glyphs)
    if text is None:
        m.seconds = time.perf_counter() - t0
        return m
    x_height, tall, wide, glyph = text.x_height, text.tall, text.wide, text.glyph
    m.glyphs, m.skew = text.count, text.skew

    # Resolution: the text's size; on an image shaped like a known paper (A4 or A5, an ID card) also the
    # paper's. When they disagree the higher wins (small print must not read as a low resolution).
    m.x_height_px = x_height * factor
    m.dpi_text = m.x_height_px * 72.0 / limits.body_x_height_pt
    if dpi_page is None and m.dpi_text < limits.low_dpi:  # small print, or a card lying square on a table?
        paper, long_px = _paper_on_background(rgb, limits)
        if paper:
            dpi_page = long_px / PAPER_LONG_SIDE_IN[paper]
            m.paper, m.dpi_page_size = paper, dpi_page
            m.dpi_measured, m.dpi_source = snap_dpi(dpi_page), "page_size"
    # A4 and A5 have one shape. Print is rarely larger than body text, so text clearly finer than an A4
    # reading allows says the sheet is the A5 one (a low A4 reading only: otherwise nothing changes).
    low_a4 = m.paper == "a4" and dpi_page is not None and dpi_page < limits.low_dpi
    if low_a4 and dpi_page is not None and m.dpi_text > dpi_page * (1.0 + limits.dpi_tolerance):
        dpi_page = long0 / A5_LONG_SIDE_IN
        m.paper, m.dpi_page_size = "a5", dpi_page
        m.dpi_measured, m.dpi_source = snap_dpi(dpi_page), "page_size"
    if dpi_page is None:
        m.dpi_measured, m.dpi_source = snap_dpi(m.dpi_text), "text"
    elif abs(m.dpi_text / dpi_page - 1.0) <= limits.size_text_agreement:
        m.dpi_measured, m.dpi_source = snap_dpi(dpi_page), "page_size+text"
    elif m.dpi_text > dpi_page:
        m.dpi_measured, m.dpi_source = snap_dpi(m.dpi_text), "text"

    lut = np.zeros(n, dtype=np.uint8)
    lut[np.nonzero(glyph)[0] + 1] = 255
    glyph_mask = lut[labels]
    m.ink_level = float(np.percentile(gray[glyph_mask > 0], 10))
    # Blur relative to the letters' size: pixels at the scale where this text would be 200 dpi.
    sigma = _edge_sigma(rel, glyph_mask)
    m.blur = None if sigma is None else sigma * 200.0 / (m.dpi_text / factor)

    # Cut text: letters, or the slivers a cut line leaves, touching the image edge. Office margins are
    # 2-3 cm: nothing of the text touches the edge of a good scan.
    piece = ~shadow & (tall <= 3.0 * x_height) & (wide <= 6.0 * x_height)
    piece &= areas >= max(6.0, 0.02 * x_height * x_height)
    cut = {side: int(np.count_nonzero(piece & on_side[side])) for side in SIDES if side not in border_sides}
    if any(cut.values()):  # name the sides as the page reads: only now is its up and down worth measuring
        if rotation is None:
            colour = rgb if rgb.ndim == 3 else cv2.cvtColor(rgb, cv2.COLOR_GRAY2RGB)
            rotation = clean.measure_geometry(colour).rotation
        if (rotation in (90, 270)) != text.sideways:  # clean disagrees with the letters' axis: up is unknown
            rotation = 90 if text.sideways else 0
        m.cut_sides = {SIDES[(SIDES.index(side) + rotation // 90) % 4]: k for side, k in cut.items() if k}
    m.rotation = rotation
    m.seconds = time.perf_counter() - t0
    return m


# -- judging ---------------------------------------------------------------------------------------


def judge(number: int, m: PageMeasures, limits: GateLimits = LIMITS) -> list[dict[str, Any]]:
    """Turn one page's measures into findings, errors first. ``number`` is the page in the dossier."""
    n = number
    dark: list[dict[str, Any]] = []
    if m.paper_level < limits.dark_paper_error:
        msg = f"Trang {n} quá tối, vui lòng quét lại với độ sáng cao hơn"
        dark.append(finding("too_dark", "error", msg, round(m.paper_level), limits.dark_paper_error))
    elif m.paper_level < limits.dark_paper_warning:
        msg = f"Trang {n} hơi tối, nên quét lại với độ sáng cao hơn"
        dark.append(finding("too_dark", "warning", msg, round(m.paper_level), limits.dark_paper_warning))
    if m.ink_fraction < limits.blank_ink_fraction:
        if dark and dark[0]["severity"] == "error":  # all but black: a failed scan, not a blank sheet
            return dark
        msg = f"Trang {n} là trang trắng, vui lòng kiểm tra lại"
        return [finding("blank_page", "warning", msg, round(m.ink_fraction, 5), limits.blank_ink_fraction), *dark]
    out: list[dict[str, Any]] = [*dark]

    if m.dpi_measured is not None:
        if m.dpi_measured < limits.low_dpi:
            msg = (
                f"Trang {n} có độ phân giải khoảng {m.dpi_measured} dpi, dưới {limits.min_dpi} dpi, "
                "vui lòng quét lại ở 200–300 dpi"
            )
            out.append(finding("low_resolution", "error", msg, m.dpi_measured, limits.min_dpi))
        if not m.dpi_claimed_estimated and abs(m.dpi_claimed / m.dpi_measured - 1.0) > limits.dpi_mismatch:
            msg = f"Trang {n}: tệp ghi {m.dpi_claimed} dpi nhưng đo được khoảng {m.dpi_measured} dpi"
            out.append(finding("dpi_mismatch", "info", msg, m.dpi_measured, m.dpi_claimed))

    blurred = m.blur is not None and m.blur > limits.blur_warning
    if blurred and m.blur is not None:
        if m.blur > limits.blur_error:
            msg = f"Trang {n} bị mờ, vui lòng quét lại"
            out.append(finding("blurred", "error", msg, round(m.blur, 2), limits.blur_error))
        else:
            msg = f"Trang {n} hơi mờ, nên quét lại nếu chữ khó đọc"
            out.append(finding("blurred", "warning", msg, round(m.blur, 2), limits.blur_warning))

    if m.skew is not None and abs(m.skew) > limits.max_fixable_skew + limits.skew_tolerance:
        msg = (
            f"Trang {n} bị nghiêng khoảng {abs(m.skew):.0f}°, quá {limits.max_fixable_skew:g}° nên không "
            "chỉnh thẳng được, vui lòng đặt giấy thẳng và quét lại"
        )
        out.append(finding("skew_unfixable", "error", msg, round(m.skew, 1), limits.max_fixable_skew))

    cut = [side for side in SIDES if m.cut_sides.get(side, 0) >= limits.cut_min_pieces]
    if cut:
        where = " và ".join(SIDE_NAMES[s] for s in cut)
        msg = f"Trang {n} bị mất chữ ở {where}, vui lòng đặt giấy ngay ngắn và quét lại"
        hit = finding("cut_off", "error", msg, sum(m.cut_sides[s] for s in cut), limits.cut_min_pieces)
        out.append({**hit, "sides": cut})

    # Blur also lightens thin strokes: a blurred page is not also reported as faint.
    if m.ink_level is not None and not blurred:
        if m.ink_level > limits.light_ink_error:
            msg = f"Trang {n} quá nhạt, chữ không rõ, vui lòng quét lại với độ đậm cao hơn"
            out.append(finding("too_light", "error", msg, round(m.ink_level), limits.light_ink_error))
        elif m.ink_level > limits.light_ink_warning:
            msg = f"Trang {n} hơi nhạt, nên quét lại với độ đậm cao hơn"
            out.append(finding("too_light", "warning", msg, round(m.ink_level), limits.light_ink_warning))
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
    """The reception gate on one rasterized page: measures and findings, without OCR (about 0.1 s at 200 dpi)."""
    measures = measure_page(rgb, dpi=dpi, dpi_estimated=dpi_estimated, rotation=rotation, limits=limits)
    return PageCheck(number, measures, judge(number, measures, limits))


# -- after OCR -------------------------------------------------------------------------------------

LARGE_SKEW = 4.5
# A post-OCR finding is dropped when the gate already reported one of these codes.
COVERED_BY_GATE: dict[str, set[str]] = {
    "blank_page": {"blank_page"},
    "low_resolution": {"low_resolution"},
    "large_skew": {"skew_unfixable"},  # "straightened" would contradict "cannot be straightened"
    "no_text": {"blank_page"},
}


def page_findings(
    page: PageResult, ocr_image: np.ndarray, gate: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """All findings of a processed page: the gate's plus what OCR adds (orientation fixed, nothing read).

    With ``gate`` (the pre-OCR findings) blank page and resolution come from the gate alone, measured;
    without it they come from the OCR image's ink and the resolution the file claims.
    """
    n = page.number
    post: list[dict[str, Any]] = []
    blank = float((ocr_image < 128).mean()) < 0.002
    if gate is not None:
        blank = any(f["code"] == "blank_page" for f in gate)
    elif blank:
        post.append(finding("blank_page", "warning", f"Trang {n} là trang trắng, vui lòng kiểm tra lại"))
    if gate is None and page.dpi < LIMITS.min_dpi:
        how = "ước tính" if page.dpi_estimated else "theo tệp"
        msg = f"Trang {n} có độ phân giải {page.dpi} dpi ({how}), dưới {LIMITS.min_dpi} dpi, vui lòng quét lại"
        post.append(finding("low_resolution", "warning", msg, page.dpi, LIMITS.min_dpi))
    if page.rotation:
        post.append(finding("rotated", "info", f"Trang {n} bị quay {page.rotation}°, đã xoay lại", page.rotation))
    if abs(page.skew) > LARGE_SKEW:
        msg = f"Trang {n} bị nghiêng {abs(page.skew):.1f}°, đã chỉnh thẳng"
        post.append(finding("large_skew", "warning", msg, round(page.skew, 1), LARGE_SKEW))
    if not blank and not page.words:
        post.append(finding("no_text", "warning", f"Trang {n} không đọc được chữ nào, vui lòng quét lại"))
    return merge_findings(gate or [], post)


def merge_findings(gate: list[dict[str, Any]], post: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The gate's findings plus the post-OCR ones it does not already cover; errors first, then warnings."""
    seen = {f["code"] for f in gate}
    extra = [f for f in post if f["code"] not in seen and not COVERED_BY_GATE.get(f["code"], set()) & seen]
    return sorted([*gate, *extra], key=lambda f: SEVERITY_ORDER.get(f["severity"], len(SEVERITY_ORDER)))
