"""Straight strokes at any angle (sketch edges, table rules, frames) found in an ink mask, and taken out of it.

A land-use certificate's parcel sketch is a polygon with slanted edges, each edge's length printed on
its stroke. Left in the OCR image, the strokes become characters and swallow the digits that touch
them; left in the skew measurement, a long slanted edge outweighs the text and the page is "deskewed"
by the edge's angle. Only horizontal and vertical openings were tried before, which miss slanted edges.

How: a probabilistic Hough transform proposes segments among the large connected parts of the ink only
(letters are small; a stroke and the text touching it are one large part), each proposal is checked
against the pixels (ink along nearly all its length, thin across it), and the band of a kept segment is
its stroke. Erasing it cuts the glyphs it crosses; ``erase`` bridges those cuts again along the glyphs'
stems, so "37,76" with a line through it reads as "37,76", not "37" and junk. What a stroke covers
exactly (a digit's bar lying along it, a comma on it) cannot come back: those pixels are the stroke's too.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

COVERAGE = 0.9  # share of a segment's length that must be ink: text rows have gaps, strokes none
DETECT_WIDTH = 800  # px: strokes are proposed on a copy about this wide (a 0.4 mm stroke is 1.5 px on A4)
SAMPLES = 400  # points a segment is checked at: enough to see a gap, few enough to stay cheap
PAD = 1  # px either side of a stroke erased with it: its blurred edges
SQUARE = 3.0  # degrees: a stroke this close to horizontal or vertical is a rule or a frame, not a figure's


@dataclass(frozen=True)
class Segment:
    """One straight stroke: end points in pixels and its thickness across."""

    x0: float
    y0: float
    x1: float
    y1: float
    thickness: int

    @property
    def angle(self) -> float:
        """Direction in degrees, 0-180 (0 horizontal, 90 vertical)."""
        return float(np.degrees(np.arctan2(self.y1 - self.y0, self.x1 - self.x0)) % 180.0)

    @property
    def length(self) -> float:
        return float(np.hypot(self.x1 - self.x0, self.y1 - self.y0))


def _large_parts(ink: np.ndarray, min_length: int) -> np.ndarray:
    """The connected parts of ``ink`` (0/255) whose box is at least ``min_length`` on a side."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    big = np.zeros(n, bool)
    big[1:] = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]) >= min_length
    if not big.any():
        return np.zeros_like(ink)
    return np.where(big[labels], np.uint8(255), np.uint8(0))


def _across(ink: np.ndarray, x0: float, y0: float, x1: float, y1: float, reach: int) -> tuple[np.ndarray, ...]:
    """Ink sampled along the segment (every pixel, at most ``SAMPLES`` points), ``reach`` pixels either side:
    (samples x offsets, position 0-1 along, offsets)."""
    length = float(np.hypot(x1 - x0, y1 - y0))
    t = np.linspace(0.0, 1.0, min(SAMPLES, max(2, int(length))))
    xs, ys = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length  # unit normal
    h, w = ink.shape
    offsets = np.arange(-reach, reach + 1)
    px = np.clip(np.rint(xs[:, None] + offsets[None, :] * nx).astype(int), 0, w - 1)
    py = np.clip(np.rint(ys[:, None] + offsets[None, :] * ny).astype(int), 0, h - 1)
    return ink[py, px] > 0, t, offsets


def _fit(ink: np.ndarray, x0: float, y0: float, x1: float, y1: float, max_thickness: int) -> Segment | None:
    """The proposal fitted to the pixels when they say it is a stroke (ink along it, thin across it).

    A proposal from the small copy may be off by a pixel or a degree; the stroke's centre across it is
    fitted as a straight function of the position along it, twice. Where a glyph crosses the stroke the
    ink across is thick; those samples say nothing of the stroke's centre or thickness and are left out.
    """
    if np.hypot(x1 - x0, y1 - y0) < 2:
        return None
    for _ in range(2):  # the second pass starts from the first's line: a degree off gives pixels off at the ends
        across, t, offsets = _across(ink, x0, y0, x1, y1, max_thickness)
        counts = across.sum(axis=1)
        thin = (counts > 0) & (counts <= max_thickness)
        if thin.mean() < COVERAGE / 2:  # no line here, or thick all along: a filled shape, bold type
            return None
        centres = (across[thin] * offsets).sum(axis=1) / counts[thin]
        slope, intercept = np.polyfit(t[thin], centres, 1) if thin.sum() >= 2 else (0.0, float(centres.mean()))
        length = float(np.hypot(x1 - x0, y1 - y0))
        nx, ny = -(y1 - y0) / length, (x1 - x0) / length
        x0, y0 = x0 + intercept * nx, y0 + intercept * ny
        x1, y1 = x1 + (intercept + slope) * nx, y1 + (intercept + slope) * ny
    across, _, _ = _across(ink, x0, y0, x1, y1, max_thickness)
    centre = max_thickness
    if across[:, centre - 1 : centre + 2].any(axis=1).mean() < COVERAGE:
        return None
    counts = across.sum(axis=1)
    thin = (counts > 0) & (counts <= max_thickness)
    if thin.mean() < COVERAGE / 2:
        return None
    return Segment(float(x0), float(y0), float(x1), float(y1), max(1, int(np.median(counts[thin]))))


def _merge(segments: list[Segment]) -> list[Segment]:
    """One segment per stroke: Hough proposes several, side by side and end to end, on a thick line."""
    merged: list[Segment] = []
    for s in sorted(segments, key=lambda s: -s.length):
        for k, m in enumerate(merged):
            if _same_stroke(m, s):
                merged[k] = _join(m, s)
                break
        else:
            merged.append(s)
    return merged


def _same_stroke(a: Segment, b: Segment) -> bool:
    turn = abs(a.angle - b.angle)
    if min(turn, 180 - turn) > 2.0:
        return False
    ux, uy = (a.x1 - a.x0) / a.length, (a.y1 - a.y0) / a.length
    near = max(a.thickness, b.thickness) + 2
    for x, y in ((b.x0, b.y0), (b.x1, b.y1)):
        if abs(-(y - a.y0) * ux + (x - a.x0) * uy) > near:
            return False
    s0 = (b.x0 - a.x0) * ux + (b.y0 - a.y0) * uy
    s1 = (b.x1 - a.x0) * ux + (b.y1 - a.y0) * uy
    return max(s0, s1) >= -near and min(s0, s1) <= a.length + near


def _join(a: Segment, b: Segment) -> Segment:
    """``a`` stretched along its own line to cover ``b``."""
    ux, uy = (a.x1 - a.x0) / a.length, (a.y1 - a.y0) / a.length
    ends = [0.0, a.length] + [(x - a.x0) * ux + (y - a.y0) * uy for x, y in ((b.x0, b.y0), (b.x1, b.y1))]
    lo, hi = min(ends), max(ends)
    return Segment(a.x0 + lo * ux, a.y0 + lo * uy, a.x0 + hi * ux, a.y0 + hi * uy, max(a.thickness, b.thickness))


def find_segments(ink: np.ndarray, *, max_thickness: int, min_length: int) -> list[Segment]:
    """Straight strokes of ``ink`` (uint8, ink 255) longer than ``min_length`` and thinner than ``max_thickness``.

    Proposals come from a copy ~800 px wide (the Hough transform's cost grows with the pixels; a stroke
    stays a line when shrunk) and are fitted to the full-size pixels.
    """
    factor = max(1, round(ink.shape[1] / DETECT_WIDTH))
    scale = 1.0 / factor
    # Shrunk by keeping each block's darkest pixel (a dilation, then every factor-th pixel): a thin
    # stroke stays unbroken, and this costs a few milliseconds where an area resize costs tens.
    small = cv2.dilate(ink, np.ones((factor, factor), np.uint8))[::factor, ::factor] if factor > 1 else ink
    short = max(10, round(min_length * scale))
    candidates = _large_parts(small, short)
    if not candidates.any():
        return []
    lines = cv2.HoughLinesP(
        candidates, 1, np.pi / 360, threshold=max(10, short // 2), minLineLength=short, maxLineGap=2
    )
    if lines is None:
        return []
    # Hough proposes several segments side by side and end to end on one stroke: one fit per stroke.
    proposals = _merge([Segment(*(line / scale), thickness=round(2 / scale)) for line in lines.reshape(-1, 4)])
    found = [s for p in proposals if (s := _fit(ink, p.x0, p.y0, p.x1, p.y1, max_thickness)) is not None]
    return [_extend(ink, s, min_length) for s in _merge(found)]


def _extend(ink: np.ndarray, s: Segment, reach: int) -> Segment:
    """``s`` lengthened at each end while the stroke's ink goes on, at most ``reach`` pixels: the ends
    Hough gives on the small copy stop short by a few of its pixels, more on a faint stroke."""
    ux, uy = (s.x1 - s.x0) / s.length, (s.y1 - s.y0) / s.length
    h, w = ink.shape

    def inked(x: float, y: float) -> bool:
        return any(
            0 <= (px := round(x + d * uy)) < w and 0 <= (py := round(y - d * ux)) < h and ink[py, px] > 0
            for d in (0, -1, 1)
        )

    def steps(x: float, y: float, dx: float, dy: float) -> int:
        for k in range(1, reach + 1):
            if not inked(x + k * dx, y + k * dy):
                return k - 1
        return reach

    back, ahead = steps(s.x0, s.y0, -ux, -uy), steps(s.x1, s.y1, ux, uy)
    return Segment(s.x0 - back * ux, s.y0 - back * uy, s.x1 + ahead * ux, s.y1 + ahead * uy, s.thickness)


def stroke_mask(
    shape: tuple[int, int], segments: list[Segment], *, pad: int = PAD, origin: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """Pixels within each segment's band (its thickness plus ``pad`` on either side), 255 inside; the
    mask's pixel (0, 0) is the image's ``origin`` (x, y), so a region's mask costs only the region."""
    mask = np.zeros(shape, np.uint8)
    ox, oy = origin
    for s in segments:
        p0, p1 = (round(s.x0) - ox, round(s.y0) - oy), (round(s.x1) - ox, round(s.y1) - oy)
        cv2.line(mask, p0, p1, 255, thickness=s.thickness + 2 * pad, lineType=cv2.LINE_8)
    return mask


def _bridge_kernel(segment: Segment) -> np.ndarray:
    """A vertical line (horizontal for a steep stroke) a little longer than the stroke's band is across.

    Strokes of type mostly stand upright (stems) or lie flat (bars), whatever the angle of the line that
    crosses them, so a cut glyph's halves are joined along that direction, not across the line.
    """
    angle = np.radians(segment.angle)
    steep = abs(np.sin(angle)) > abs(np.cos(angle))
    across = abs(np.sin(angle)) if steep else abs(np.cos(angle))  # >= 0.7: the band is 1/across wider
    size = int(np.ceil((segment.thickness + 2 * PAD) / across)) + 3
    return np.ones((1, size), np.uint8) if steep else np.ones((size, 1), np.uint8)


def erase(ink: np.ndarray, segments: list[Segment], keep: np.ndarray | None = None) -> np.ndarray:
    """``ink`` (255 = ink) without the strokes' pixels, the glyphs they crossed joined again across them.

    ``keep`` (255 = leave alone) protects a region, e.g. a page frame's band. A glyph cut by a stroke has
    ink on both sides of the band; a closing along the glyph's stems, limited to the band, puts back the
    pixels between the two halves, and nothing where the stroke ran alone.
    """
    if not segments:
        return ink
    band = stroke_mask(ink.shape, segments)
    if keep is not None:
        band[keep > 0] = 0
    out = ink.copy()
    out[band > 0] = 0
    repaired = np.zeros_like(out)
    h, w = ink.shape
    for s in segments:
        kernel = _bridge_kernel(s)
        margin = max(kernel.shape) + s.thickness
        x0, x1 = max(0, int(min(s.x0, s.x1)) - margin), min(w, int(max(s.x0, s.x1)) + margin + 1)
        y0, y1 = max(0, int(min(s.y0, s.y1)) - margin), min(h, int(max(s.y0, s.y1)) + margin + 1)
        own = stroke_mask((y1 - y0, x1 - x0), [s], origin=(x0, y0)) & band[y0:y1, x0:x1]
        if not own.any():  # all of it kept (a page frame)
            continue
        closed = cv2.morphologyEx(out[y0:y1, x0:x1], cv2.MORPH_CLOSE, kernel)
        repaired[y0:y1, x0:x1] |= closed & own & ink[y0:y1, x0:x1]
    return out | repaired


def off_square(segments: list[Segment]) -> list[Segment]:
    """The segments not square to the page's own direction: that of most of the strokes' length.

    On a skewed scan the rules and frames lie at the skew angle, as the text does; a parcel sketch's
    edges lie at their own angles. Measured from the strokes, not assumed to be 0°/90°.
    """
    if not segments:
        return []
    turns = np.array([s.angle % 90.0 for s in segments])
    weights = np.array([s.length for s in segments])
    bins = np.bincount(np.round(turns * 2).astype(int) % 180, weights=weights, minlength=180)
    dominant = float(np.argmax(bins)) / 2
    return [
        s
        for s, turn in zip(segments, turns, strict=True)
        if min(abs(turn - dominant), 90 - abs(turn - dominant)) > SQUARE
    ]


def drawn(segments: list[Segment], *, min_total: float, rules: np.ndarray | None = None) -> list[Segment]:
    """The segments that are line art: those square to the page that lie on ``rules`` (a mask of the
    straight runs an opening found, when given), and the others only when together they are at least
    ``min_total`` long (a drawing such as a parcel sketch).

    A signature's scribble has straight-ish pieces, flat ones too; erased, Tesseract's reading of the
    names and titles around them changes for no gain, and left, it reads past them as it always did.
    """
    slanted = off_square(segments)
    square = [s for s in segments if s not in slanted and (rules is None or _on(rules, s) >= COVERAGE)]
    return square + slanted if sum(s.length for s in slanted) >= min_total else square


def _on(mask: np.ndarray, s: Segment) -> float:
    """Share of the segment's length along which ``mask`` is set (within a pixel of its centre line)."""
    across, _, _ = _across(mask, s.x0, s.y0, s.x1, s.y1, 1)
    return float(across.any(axis=1).mean())


def figure_boxes(segments: list[Segment], *, gap: int) -> list[tuple[int, int, int, int]]:
    """Boxes (x0, y0, x1, y1) of figures: slanted strokes (a sketch's edges) less than ``gap`` apart, together.

    Tables and frames are square to the page; a stroke at another angle belongs to a drawing, where
    no running text is printed, only labels and names.
    """
    boxes: list[list[float]] = []
    for s in segments:
        turn = s.angle % 90.0
        if min(turn, 90.0 - turn) <= SQUARE:
            continue
        box = [min(s.x0, s.x1), min(s.y0, s.y1), max(s.x0, s.x1), max(s.y0, s.y1)]
        for other in [b for b in boxes if _near(b, box, gap)]:
            boxes.remove(other)
            box = [min(box[0], other[0]), min(box[1], other[1]), max(box[2], other[2]), max(box[3], other[3])]
        boxes.append(box)
    return [(int(b[0]), int(b[1]), int(b[2]) + 1, int(b[3]) + 1) for b in boxes]


def _near(a: list[float], b: list[float], gap: int) -> bool:
    return a[0] - gap <= b[2] and b[0] - gap <= a[2] and a[1] - gap <= b[3] and b[1] - gap <= a[3]
