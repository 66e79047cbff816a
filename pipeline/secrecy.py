"""Secrecy marks (ô 10a of ND 30: MẬT, TỐI MẬT, TUYỆT MẬT), found before anything of a page is kept.

Why a step of its own: the page's OCR misses the marks offices actually use. Tesseract drops a short word
inside a frame (it takes the framed box for a picture), and the stamp is red, which the OCR image
suppresses on purpose (seals and signatures must not be read as text). So each page is checked twice:

1. its own OCR lines: a capitals line near the top that is exactly a mark ("| TỐI MẬT |", "MẬT KHẨN");
2. only when that finds nothing: ink near the top that the OCR did not read (black ink outside every
   word's box, red ink anywhere), in pieces of a mark's size, is read again by itself, its frame taken
   away and a tilted stamp set level. On a page without such ink this costs a few milliseconds of numpy;
   Tesseract runs only when there is something unread of a mark's size.

"bí mật" in a sentence, "BẢO VỆ BÍ MẬT NHÀ NƯỚC" or "MẶT TRẬN" in a title are not marks: a mark is a
line of its own (urgency words may share it), and the folded text of that line must be the mark.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import cv2
import numpy as np

from pipeline import ocr
from pipeline.layout import Line, is_upper, page_lines
from pipeline.models import BBox, PageResult, Word
from pipeline.normalize import fold_words

SECRET_ZONE = 0.4  # the mark sits under the number (ND 30 ô 10a), in the upper part of the page
MARKS = {"MAT": "MẬT", "TOI MAT": "TỐI MẬT", "TUYET MAT": "TUYỆT MẬT"}
URGENCY_WORDS = ("THUONG KHAN", "HOA TOC", "KHAN")  # may share the mark's line
FRAME_TOKENS = frozenset({"I", "L", "J", "1"})  # a frame's side read as a letter at either end of the line

# A mark's size on paper (14 pt bold capitals, maybe framed): what an unread piece of ink must measure
# to be read again. Rules and underlines are lower, seals and tables taller, body lines wider.
MIN_HEIGHT_MM, MAX_HEIGHT_MM = 2.5, 16.0
MIN_WIDTH_MM, MAX_WIDTH_MM = 6.0, 90.0
JOIN_MM = 3.0  # letters and words closer than this form one piece (a mark keeps far more room around it)
WORD_MARGIN_MM = 0.6  # ink this close to a word the OCR read belongs to that word
RED_MIN = 90  # red ink: the red channel at least this bright ...
RED_OVER = 50  # ... and this much above both green and blue (black print and blue ink are not)
TILTED_AREA = 0.92  # a piece whose smallest enclosing rectangle is this much smaller than its box is tilted
FRAME_BAND_MM = 1.0  # a frame's side and the blur around it; the text keeps 1.5 mm or more from it
FRAMED = 0.7  # a frame inks this share of each side of the piece; a line of text never inks all four
SEARCH_DPI = 70  # pieces are looked for at about this resolution, then read at the page's own
READ_TIMEOUT_S = 30


def mark_of(text: str) -> str | None:
    """The mark a line's text is ("MẬT", "TỐI MẬT", "TUYỆT MẬT"), or None.

    Tone and vowel marks are folded away, so OCR's "MẶT", "TÓI MẬT" or "TUYÊT MÂT" still match; a frame
    read as "|", "[" or "I" at either end, and urgency words on the same line, are set aside.
    """
    folded = fold_words(text)
    for word in URGENCY_WORDS:
        folded = re.sub(rf"\b{word}\b", " ", folded)
    tokens = folded.split()
    while tokens and tokens[0] in FRAME_TOKENS:
        tokens.pop(0)
    while tokens and tokens[-1] in FRAME_TOKENS:
        tokens.pop()
    return MARKS.get(" ".join(tokens))


def mark_in_lines(lines: Iterable[Line]) -> str | None:
    """The mark printed as a capitals line of its own in the upper part of its page, if any."""
    for line in lines:
        if line.top <= SECRET_ZONE and is_upper(line.text):
            mark = mark_of(line.text)
            if mark:
                return mark
    return None


def find_mark(page: PageResult, rgb: np.ndarray, ocr_image: np.ndarray) -> str | None:
    """The secrecy mark on ``page``: in its OCR lines, else in the unread black or red ink near its top.

    ``rgb`` is the upright colour page, ``ocr_image`` the binarized image its words were read from.
    """
    mark = mark_in_lines(page_lines(page))
    if mark:
        return mark
    px_mm = page.dpi / 25.4
    zone = round(rgb.shape[0] * SECRET_ZONE)
    # Pieces are cut from a band reaching a mark's height below the zone, and kept when they start in it:
    # a seal or a paragraph the zone's edge cuts through is then seen whole, too large for a mark.
    band = min(rgb.shape[0], zone + round(MAX_HEIGHT_MM * px_mm))
    step = max(1, round(page.dpi / SEARCH_DPI))  # pieces are looked for on every step-th pixel
    black = _pooled(ocr_image[:band], step) < 250  # any ink in a cell: a thin frame stays whole
    unread = black.copy()
    _blank_words(unread, page.words, step, round(WORD_MARGIN_MM * px_mm))
    found = [(box, "black") for box in _whole_pieces(black, _mark_sized_boxes(unread, px_mm / step), px_mm / step)]
    found += [(box, "red") for box in _mark_sized_boxes(red_ink(_every(rgb[:band], step)), px_mm / step)]
    found += [(box, "black") for box in _frames(black, px_mm / step) if not any(_overlap(box, f[0]) for f in found)]
    pieces = []
    for (x0, y0, x1, y1), colour in found:
        if y0 * step < zone:
            box = (x0 * step, y0 * step, min(rgb.shape[1], (x1 + 1) * step), min(band, (y1 + 1) * step))
            crop = ocr_image[box[1] : box[3], box[0] : box[2]] < 128
            pieces.append((box, red_ink(rgb[box[1] : box[3], box[0] : box[2]]) if colour == "red" else crop))
    if not pieces:
        return None
    canvas = np.full((band, rgb.shape[1]), 255, np.uint8)
    for (x0, y0, x1, y1), ink in pieces:
        canvas[y0:y1, x0:x1][_unframed(ink, px_mm)] = 0
    texts = ocr.reread_regions(canvas, [box for box, _ in pieces], lang="vie", timeout_s=READ_TIMEOUT_S)
    return next((mark for text in texts if is_upper(text) and (mark := mark_of(text))), None)


def red_ink(rgb: np.ndarray) -> np.ndarray:
    """Where ``rgb`` holds red ink (stamp pad, seal): red bright, well above green and blue.

    Saturating uint8 arithmetic in OpenCV: a few milliseconds on the top of a page, where numpy in int16
    took several times that."""
    r, g, b = cv2.split(rgb)
    over = cv2.subtract(r, cv2.max(g, b))
    return (over >= RED_OVER) & (r >= RED_MIN)


def _pooled(grey: np.ndarray, step: int) -> np.ndarray:
    """``grey`` shrunk ``step`` times by averaging cells (OpenCV's area interpolation, whose whole-number
    case is several times faster: the last partial cells are left out)."""
    if step == 1:
        return grey
    h, w = grey.shape[0] // step, grey.shape[1] // step
    return cv2.resize(grey[: h * step, : w * step], (w, h), interpolation=cv2.INTER_AREA)


def _every(image: np.ndarray, step: int) -> np.ndarray:
    """Every ``step``-th pixel of ``image`` in both directions (OpenCV makes the copy in one pass)."""
    if step == 1:
        return image
    h, w = image.shape[:2]
    return cv2.resize(image, ((w + step - 1) // step, (h + step - 1) // step), interpolation=cv2.INTER_NEAREST)


def _blank_words(ink: np.ndarray, words: Sequence[Word], step: int, margin: int) -> None:
    """Clear the ink of every word the OCR read (its box and a margin, in page pixels; ``ink`` holds every
    ``step``-th pixel): what is left went unread."""
    height = ink.shape[0] * step
    for w in words:
        x0, y0, x1, y1 = w.bbox
        if y0 < height:
            ink[
                max(0, y0 - margin) // step : (y1 + margin) // step + 1,
                max(0, x0 - margin) // step : (x1 + margin) // step + 1,
            ] = False


def _mark_sized_boxes(ink: np.ndarray, px_mm: float) -> list[BBox]:
    """Boxes of the pieces of ``ink`` (letters joined into words and lines, a frame with what it holds)
    the size of a mark; ``px_mm`` is ``ink``'s pixels per millimetre."""
    if not ink.any():
        return []
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(_joined(ink, px_mm), connectivity=8)
    out = []
    for x0, y0, x1, y1 in _merge_nested([(x, y, x + w, y + h) for x, y, w, h, _area in stats[1:n]]):
        ys, xs = np.nonzero(ink[y0:y1, x0:x1])
        if len(ys):
            box = (x0 + int(xs.min()), y0 + int(ys.min()), x0 + int(xs.max()) + 1, y0 + int(ys.max()) + 1)
            if _mark_sized((box[2] - box[0]) / px_mm, (box[3] - box[1]) / px_mm):
                out.append(box)
    return out


def _whole_pieces(ink: np.ndarray, parts: list[BBox], px_mm: float) -> list[BBox]:
    """Each unread part widened to the whole line it is part of (ink of ``ink`` in its rows, gaps narrower
    than ``JOIN_MM``), kept when that is still a mark's size: the OCR may have read "TỐI" and missed
    "MẬT", and "MẬT" cut out of "BẢO VỆ BÍ MẬT" is no mark."""
    gap = max(2, round(JOIN_MM * px_mm))
    out: list[BBox] = []
    for x0, y0, x1, y1 in parts:
        cols = np.flatnonzero(ink[y0:y1].any(axis=0))
        while (near := cols[(cols < x0) & (cols >= x0 - gap)]).size:
            x0 = int(near.min())
        while (near := cols[(cols >= x1) & (cols < x1 + gap)]).size:
            x1 = int(near.max()) + 1
        if _mark_sized((x1 - x0) / px_mm, (y1 - y0) / px_mm) and (x0, y0, x1, y1) not in out:
            out.append((x0, y0, x1, y1))
    return out


def _joined(ink: np.ndarray, px_mm: float) -> np.ndarray:
    """``ink`` with letters and words of one line run together (``JOIN_MM`` across, half that down)."""
    across = max(2, round(JOIN_MM * px_mm))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (across, max(2, across // 2)))
    return cv2.dilate(ink.astype(np.uint8), kernel)


def _frames(ink: np.ndarray, px_mm: float) -> list[BBox]:
    """Boxes of frames of a mark's size (a thin ring of ink): the OCR may have read the framed word as a
    few wrong letters ("E3"), so its ink is not left unread."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    x, y, w, h, area = stats[1:n].T
    w_mm, h_mm = w / px_mm, h / px_mm
    sized = (h_mm >= MIN_HEIGHT_MM) & (h_mm <= MAX_HEIGHT_MM) & (w_mm >= MIN_WIDTH_MM) & (w_mm <= MAX_WIDTH_MM)
    out = []
    for i in np.nonzero(sized & (w >= h) & (area <= 0.4 * w * h))[0]:  # a letter is never this hollow
        x0, y0, x1, y1 = int(x[i]), int(y[i]), int(x[i] + w[i]), int(y[i] + h[i])
        if _is_ring(labels[y0:y1, x0:x1] == i + 1, px_mm):  # not a line of text and its underline
            out.append((x0, y0, x1, y1))
    return out


def _is_ring(ink: np.ndarray, px_mm: float) -> bool:
    """Whether ``ink`` (cropped to its box) runs along all four sides of it, as a frame does."""
    band = max(1, round(FRAME_BAND_MM * px_mm))
    sides = (ink[:band].any(0), ink[-band:].any(0), ink[:, :band].any(1), ink[:, -band:].any(1))
    return min(float(side.mean()) for side in sides) >= FRAMED


def _mark_sized(w_mm: float, h_mm: float) -> bool:
    return MIN_HEIGHT_MM <= h_mm <= MAX_HEIGHT_MM and MIN_WIDTH_MM <= w_mm <= MAX_WIDTH_MM and w_mm >= h_mm


def _overlap(a: BBox, b: BBox) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _merge_nested(boxes: list[BBox]) -> list[BBox]:
    """Boxes with those lying inside another folded into it (the text inside a frame is its own piece)."""
    boxes = sorted(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), reverse=True)
    kept: list[BBox] = []
    for b in boxes:
        if not any(k[0] <= b[0] and k[1] <= b[1] and b[2] <= k[2] and b[3] <= k[3] for k in kept):
            kept.append(b)
    return kept


def _unframed(ink: np.ndarray, px_mm: float) -> np.ndarray:
    """The piece's text alone, level: a tilted piece is turned by the angle of its smallest enclosing
    rectangle, then a frame (ink along all four sides) is cut away with a band of ``FRAME_BAND_MM``."""
    ys, xs = np.nonzero(ink)
    if len(ys) < 10:
        return ink
    rect = cv2.minAreaRect(np.column_stack([xs, ys]).astype(np.float32))
    (rw, rh), (bw, bh) = rect[1], (int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1)
    if rw * rh < TILTED_AREA * bw * bh:
        ink = _turn(ink, _long_side_angle(rect))
        ys, xs = np.nonzero(ink)
        if not len(ys):
            return ink
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    if not _is_ring(ink[y0:y1, x0:x1], px_mm):
        return ink
    band = max(2, round(FRAME_BAND_MM * px_mm))
    text = np.zeros_like(ink)
    text[y0 + band : y1 - band, x0 + band : x1 - band] = ink[y0 + band : y1 - band, x0 + band : x1 - band]
    return text


RotatedRect = tuple[tuple[float, float], tuple[float, float], float]  # cv2.minAreaRect: centre, size, angle


def _long_side_angle(rect: RotatedRect) -> float:
    """The angle of a rotated rectangle's long side in image coordinates (y down), in degrees: turning by
    it (``cv2.getRotationMatrix2D``, counter-clockwise positive) sets the rectangle level."""
    corners = cv2.boxPoints(rect)
    edges = [corners[(i + 1) % 4] - corners[i] for i in range(2)]
    dx, dy = max(edges, key=lambda e: float(np.hypot(*e)))
    return (float(np.degrees(np.arctan2(dy, dx))) + 90.0) % 180.0 - 90.0


def _turn(ink: np.ndarray, angle: float) -> np.ndarray:
    """``ink`` turned ``angle`` degrees about its centre, same size."""
    h, w = ink.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(ink.astype(np.uint8) * 255, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0) > 96
