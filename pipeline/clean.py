"""Clean: make a page upright and straight, then prepare a separate image for OCR.

Orientation and skew are measured by our own methods (Tesseract 5.3's deskew angle is wrong on some
pages) and applied to both images. Only the OCR image is cleaned further: scanner borders removed,
red seals and blue ink suppressed, light evened, noise reduced, binarized. The visible page keeps
the scan's own colour pixels, as the digitization signature attests.

Methods:
- skew: projection-profile sharpness of ink pixel coordinates over candidate angles (coarse, then fine);
- 0/180 vs 90/270: whether rows or columns give the sharper profile (text lines are horizontal);
- 0 vs 180: Latin/Vietnamese text carries more ink above its x-height band (ascenders, capitals, tone
  marks) than below (descenders); the asymmetry over all text lines says which way is up.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline import line_art

ANALYSIS_WIDTH = 1000  # px; measurements run on a downscaled copy
MAX_SKEW = 6.0
MARGIN_BAND = 0.06  # fraction of each side ignored when measuring orientation and skew
RULE_FRACTION = 25  # a straight run longer than 1/25 of the page's long side is a rule, not a letter
STROKE_FRACTION = 330  # a stroke is thinner than 1/330 of the long side (0.9 mm on A4); text lines, merged
# into bands at this scale, are thicker (a 6 pt x-height is 3.8 px of 1000)


@dataclass(frozen=True)
class Geometry:
    """What was measured: clockwise rotation to apply (0/90/180/270), skew in degrees, how sure."""

    rotation: int
    skew: float
    orientation_score: float  # > 0; larger is surer of up against down
    axis_margin: float = 0.0  # sharper profile / the other (>= 1); larger is surer of upright against sideways


def ink_gray(rgb: np.ndarray) -> np.ndarray:
    """Grey image in which coloured ink (red seals, blue signatures) turns light and black text stays dark.

    The brightest channel of a red or blue stroke is high while black print is low in every channel.
    Two element-wise maxima, not ``rgb.max(axis=2)``: the same pixels, ~15x faster on a page (5 ms, not 80).
    """
    return np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2]).astype(np.uint8, copy=False)


def _binary_small(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """Ink mask (True = ink) of a downscaled copy, and the scale used."""
    h, w = rgb.shape[:2]
    scale = min(1.0, ANALYSIS_WIDTH / max(h, w))
    small = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    gray = normalize_light(ink_gray(small))
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    # Measure on the page's inner part only: scanner borders and lid shadows live in the outer band, and
    # when blur joins them to the text, removing edge-touching ink would remove the text with them.
    # Office documents keep 15-35 mm margins, so a band of 6% (13-18 mm on A4) holds no text.
    bh, bw_ = max(1, round(bw.shape[0] * MARGIN_BAND)), max(1, round(bw.shape[1] * MARGIN_BAND))
    bw[:bh, :] = 0
    bw[-bh:, :] = 0
    bw[:, :bw_] = 0
    bw[:, -bw_:] = 0
    return drop_rules(bw) > 0, scale


def drop_rules(bw: np.ndarray) -> np.ndarray:
    """The ink mask without long straight strokes: frames, borders, table rules and sketch edges.

    A frame's sides are the longest, straightest ink on a page: left in, its vertical sides give the
    sharper column profile and a framed upright certificate is measured sideways. A parcel sketch's
    slanted edge, left in, is the sharpest profile at its own angle and the page is "deskewed" by it.
    Only text remains after removing every horizontal or vertical run longer than any word's strokes
    (1/25 of the side), and the straight strokes of a drawing at other angles than the page's rules
    (``line_art.drawn``, ``off_square``; rules at the page's own skew stay, as they did, and agree with
    its text; strokes at odd angles that add up to less than a third of the width, a signature's, stay too).
    """
    length = max(15, max(bw.shape) // RULE_FRACTION)
    rules = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    rules |= cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    strokes = line_art.find_segments(bw, max_thickness=max(2, max(bw.shape) // STROKE_FRACTION), min_length=length)
    drawing = line_art.off_square(line_art.drawn(strokes, min_total=bw.shape[1] / 3))
    rules |= line_art.stroke_mask(bw.shape, drawing) & bw
    if not rules.any():
        return bw
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))  # the rule's anti-aliased edges go with it
    return cv2.subtract(bw, rules)


def _profile_score(ys: np.ndarray, xs: np.ndarray, angle_deg: float, size: int) -> float:
    """Sharpness of the row profile after rotating ink coordinates by ``angle_deg``."""
    a = np.deg2rad(angle_deg)
    proj = ys * np.cos(a) - xs * np.sin(a)
    hist = np.bincount(np.clip((proj + size).astype(np.int64), 0, 3 * size), minlength=3 * size)
    return float(np.square(np.diff(hist.astype(np.float64))).sum())


def _best_angle(ys: np.ndarray, xs: np.ndarray, size: int) -> tuple[float, float]:
    """Angle in [-MAX_SKEW, MAX_SKEW] maximizing profile sharpness, to 0.05°."""
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.5)
    scores = [_profile_score(ys, xs, a, size) for a in coarse]
    best = float(coarse[int(np.argmax(scores))])
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.05)
    fscores = [_profile_score(ys, xs, a, size) for a in fine]
    i = int(np.argmax(fscores))
    return float(fine[i]), float(fscores[i])


def _ink_coords(mask: np.ndarray, limit: int = 60000) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.nonzero(mask)
    if len(ys) > limit:  # a regular subsample keeps the profile shape and bounds the cost
        step = len(ys) // limit + 1
        ys, xs = ys[::step], xs[::step]
    return ys.astype(np.float64), xs.astype(np.float64)


def _up_score(mask: np.ndarray) -> float:
    """Positive when text looks upright, negative when upside down (ascender/descender asymmetry)."""
    rows = mask.sum(axis=1).astype(np.float64)
    if rows.max() <= 0:
        return 0.0
    on = rows > 0.02 * rows.max()
    above = below = 0.0
    y = 0
    n = len(rows)
    while y < n:
        if not on[y]:
            y += 1
            continue
        start = y
        while y < n and on[y]:
            y += 1
        band = rows[start:y]
        if len(band) < 4:
            continue
        core = np.nonzero(band >= 0.5 * band.max())[0]
        top, bottom = core[0], core[-1]
        above += band[:top].sum()
        below += band[bottom + 1 :].sum()
    total = above + below
    return 0.0 if total == 0 else (above - below) / total


def measure_geometry(rgb: np.ndarray, *, rotation: int | None = None) -> Geometry:
    """Find the clockwise rotation (multiple of 90°) and residual skew that make the page upright.

    With ``rotation`` given (a second opinion decided it), only the skew is measured, along that axis.
    """
    mask, _ = _binary_small(rgb)
    if mask.sum() < 50:  # blank page: nothing to measure
        return Geometry(rotation or 0, 0.0, 0.0)
    size = max(mask.shape)
    ys, xs = _ink_coords(mask)
    if rotation is not None:
        sideways = rotation in (90, 270)
        angle, _ = _best_angle(xs, ys, size) if sideways else _best_angle(ys, xs, size)
        return Geometry(rotation, -angle if sideways else angle, 0.0)
    angle_h, score_h = _best_angle(ys, xs, size)  # text lines horizontal as scanned
    angle_v, score_v = _best_angle(xs, ys, size)  # text lines vertical as scanned
    axis_margin = max(score_h, score_v) / max(min(score_h, score_v), 1e-9)
    if score_v > score_h:
        # Rotate 90° clockwise, then decide between that and 270° by the up/down asymmetry.
        turned = np.rot90(mask, k=-1)
        skew = -angle_v
        base = 90
    else:
        turned = mask
        skew = angle_h
        base = 0
    straight = _rotate_mask(turned, skew)
    up = _up_score(straight)
    found = base if up >= 0 else (base + 180) % 360
    return Geometry(found, skew, abs(up), axis_margin)


def _rotate_mask(mask: np.ndarray, angle: float) -> np.ndarray:
    if abs(angle) < 0.01:
        return mask
    img = mask.astype(np.uint8) * 255
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0) > 0


def apply_geometry(img: np.ndarray, geometry: Geometry, *, fill: int = 255) -> np.ndarray:
    """Turn by the rotation (exact, lossless) then deskew; the canvas keeps its size, corners filled."""
    k = {0: 0, 90: -1, 180: 2, 270: 1}[geometry.rotation]
    out = np.ascontiguousarray(np.rot90(img, k=k)) if k else img
    if abs(geometry.skew) >= 0.1:
        h, w = out.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), geometry.skew, 1.0)
        border = (fill, fill, fill) if out.ndim == 3 else fill
        out = cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=border)
    return out


def normalize_light(gray: np.ndarray) -> np.ndarray:
    """Divide by the estimated paper background so uneven lighting and grey paper become white."""
    return cv2.divide(gray, np.maximum(paper_background(gray), 1), scale=255)


def paper_background(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness under each pixel, ink closed away: what the light and the paper give.

    The background (a closing wider than any stroke, then smoothed) changes slowly, so it is estimated
    on a quarter-size copy and scaled back: the same result at a fraction of the cost on a full page.
    """
    h, w = gray.shape
    factor = 4 if min(h, w) >= 400 else 1
    small = cv2.resize(gray, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
    k = max(5, (min(small.shape) // 20) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.GaussianBlur(background, (0, 0), k / 4)
    if factor > 1:
        background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    return background


def remove_border_ink(bw: np.ndarray) -> np.ndarray:
    """Drop large ink regions touching the image edge: scanner lid shadows and dark borders."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    h, w = bw.shape
    out = bw.copy()
    for i in range(1, n):
        x, y, bw_, bh, area = stats[i]
        touches = x == 0 or y == 0 or x + bw_ >= w or y + bh >= h
        big = bw_ > 0.15 * w or bh > 0.15 * h or area > 0.002 * h * w
        if touches and big:
            out[labels == i] = 0
    return out


def ocr_image(rgb: np.ndarray) -> np.ndarray:
    """The image Tesseract reads: coloured ink suppressed, light evened, denoised, binarized (black on white)."""
    return binarize(reading_grey(rgb))


def reading_grey(rgb: np.ndarray) -> np.ndarray:
    """Black ink in grey, coloured ink (seals, blue signatures) suppressed, light evened: not yet binarized.

    Field review reads fields again from this image: binarization can erase a thin mark ("Thắng"
    read "Tháng"), so a reading of the grey pixels errs independently of the page's reading.
    """
    return normalize_light(ink_gray(rgb))


def binarize(gray: np.ndarray) -> np.ndarray:
    """``reading_grey``'s image denoised and binarized (Otsu), border ink removed: black on white."""
    gray = cv2.medianBlur(gray, 3)
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    bw = remove_border_ink(bw)
    return 255 - bw


def is_colour(rgb: np.ndarray, tolerance: int = 12) -> bool:
    """Whether the page has real colour (seals, stamps) worth keeping in the visible image."""
    small = rgb[::8, ::8].astype(np.int16)
    spread = small.max(axis=2) - small.min(axis=2)
    return bool((spread > tolerance).mean() > 0.001)
