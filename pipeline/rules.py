"""Table rules, frame lines and dot leaders taken out of the OCR image, so that the text between them reads.

Tesseract takes a ruled table for a picture and drops the labels in its cells; leader dots glued to
a value turn into letters ("No Ni ¬") and pull its confidence down. Neither carries text: a straight
ink run longer than any letter is a rule, and five or more specks in an evenly spaced row are a
leader. Only the OCR image changes; the page image that is shown and signed keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipeline import line_art
from pipeline.models import BBox

MIN_RUN_PAGE = 25  # a rule is longer than 1/25 of the page's width (8 mm on A4): no letter is
STROKE_PAGE = 175  # a stroke is thinner than 1/175 of the page's width (1.2 mm on A4); bold type is thicker
FRAME_BAND = 0.08  # a page frame runs within this share of the page's side from its edges
MIN_LEADER_DOTS = 5  # a row of at least this many specks is a leader (an ellipsis has three)
MIN_COMB_BOXES = 5  # a row of at least this many boxes, one character each, is a comb (an ID's 12, a tax code's 10)
COMB_HEIGHT = (0.01, 0.05)  # a comb's boxes stand this share of the page's width tall (3.4-17 mm on A4)
COMB_BOX = (0.4, 2.2)  # ... and each is this many times as wide as it is tall (one digit, some room)
COMB_FLAT = 0.12  # a rule's row wanders at most this share of the comb's height from column to column
COMB_RULE = 0.9  # a box's border inks this share of its column, between the rules, or more


@dataclass(frozen=True)
class Cleared:
    """The OCR image without rules, strokes and leaders, and where it held figures (slanted line art)."""

    image: np.ndarray
    figures: list[BBox]


def erase_rules(binary: np.ndarray) -> np.ndarray:
    """The binary OCR image (ink 0, paper 255) with long straight strokes painted white, at any angle."""
    return _erase_strokes(binary)[0]


def _erase_strokes(binary: np.ndarray) -> tuple[np.ndarray, list[line_art.Segment]]:
    """``erase_rules``'s image, and the strokes it found.

    Horizontal and vertical runs go as before (an opening: cheap, and it also takes a slightly wavy
    rule); straight strokes at any angle (a parcel sketch's edges, and again the rules) are found by
    ``line_art``, which also joins again the glyphs a stroke crossed ("37,76" printed on an edge).
    """
    width = binary.shape[1]
    run = max(40, width // MIN_RUN_PAGE)
    ink = (binary < 128).astype(np.uint8) * 255
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, run)))
    # A frame around the page is left alone: erased, its ornaments become rows of junk "words"; kept, it
    # stays one graphic Tesseract skips. Only rules inside the frame's band (tables, underlines) go.
    band_y, band_x = int(binary.shape[0] * FRAME_BAND), int(width * FRAME_BAND)
    frame = np.full(binary.shape, 255, np.uint8)
    frame[band_y : binary.shape[0] - band_y, band_x : width - band_x] = 0
    found = line_art.find_segments(ink, max_thickness=max(2, width // STROKE_PAGE), min_length=run)
    runs = cv2.bitwise_or(horizontal, vertical)
    segments = line_art.drawn(found, min_total=width / 3, rules=runs)  # a sketch: 70 mm of edges on A4
    kept = line_art.erase(ink, segments, keep=frame)
    # Runs the segments did not cover (a wavy rule) go too; where they did, ``erase`` decided, glyphs joined.
    rules = (runs > 0) & (frame == 0) & (line_art.stroke_mask(ink.shape, segments) == 0)
    kept[rules] = 0
    h, w = frame.shape

    def in_frame_band(x: float, y: float) -> bool:
        return bool(frame[min(h - 1, max(0, round(y))), min(w - 1, max(0, round(x)))])

    inside = [g for g in segments if not (in_frame_band(g.x0, g.y0) and in_frame_band(g.x1, g.y1))]
    return np.where(kept > 0, np.uint8(0), np.uint8(255)), inside


def vertical_rules(binary: np.ndarray) -> list[tuple[int, int, int]]:
    """The vertical rules inside the page's frame band, as (x, top, bottom): the borders of table cells.

    Tesseract reads a table row as one line across its cells; the rules say where one cell's text ends.
    """
    width = binary.shape[1]
    run = max(40, width // MIN_RUN_PAGE)
    ink = (binary < 128).astype(np.uint8) * 255
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, run)))
    band_y, band_x = int(binary.shape[0] * FRAME_BAND), int(width * FRAME_BAND)
    n, _, stats, _ = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    found: list[tuple[int, int, int]] = []
    for x, y, w, h, _ in stats[1:n]:
        centre = int(x + w // 2)
        if band_x <= centre < width - band_x and y + h > band_y and y < binary.shape[0] - band_y:
            found.append((centre, int(y), int(y + h)))
    return sorted(found)


def erase_leaders(binary: np.ndarray) -> np.ndarray:
    """The binary OCR image with dot leaders painted white: rows of evenly spaced specks on one baseline.

    A dot under a letter ("ị", "ạ") has letters between it and the next one, never four more dots in
    a regular row, so the marks of the text stay.
    """
    dot = max(3, binary.shape[1] // 200)  # a period is at most ~1/200 of the page's width across
    ink = (binary < 128).astype(np.uint8)
    _, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    w, h = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    small = [int(k) + 1 for k in np.flatnonzero((w <= dot) & (h <= dot))]
    small.sort(key=lambda k: centroids[k][1])
    rows: list[list[int]] = []
    for k in small:  # specks on one baseline, whatever jitter binarization gave their centres
        if rows and centroids[k][1] - centroids[rows[-1][0]][1] <= dot / 2:
            rows[-1].append(k)
        else:
            rows.append([k])
    erase: list[int] = []
    for row in rows:
        row.sort(key=lambda k: centroids[k][0])
        start = 0
        for i in range(1, len(row) + 1):
            if i == len(row) or centroids[row[i]][0] - centroids[row[i - 1]][0] > 4 * dot:
                run = row[start:i]
                if len(run) >= MIN_LEADER_DOTS:
                    gaps = np.diff([centroids[k][0] for k in run])
                    if gaps.std() <= 0.35 * gaps.mean():
                        erase.extend(run)
                start = i
    out = binary.copy()
    if erase:
        for k in erase:  # each speck's own box only: cheaper than testing every pixel of the page
            x, y, bw, bh = stats[k, :4]
            box = labels[y : y + bh, x : x + bw] == k
            out[y : y + bh, x : x + bw][box] = 255
    return out


def _comb_borders(comb: np.ndarray, low: int, high: int) -> list[tuple[int, int]] | None:
    """The column spans of the vertical borders of one ink shape when it is a comb, else None.

    A comb: a top and a bottom rule, ``low`` to ``high`` pixels apart, joined by at least
    ``MIN_COMB_BOXES`` + 1 verticals that run their whole height, evenly spaced, each gap about as wide as
    the comb is tall. A table row's cells are wider than tall, a word's letters never run a rule's whole
    height, so neither is one. Each column is measured between its own first and last ink, so a comb
    scanned a little askew, or a descender of the line above touching it, is still measured right.
    """
    inked = comb.any(axis=0)
    if inked.mean() < 0.9:  # the rules run the whole width
        return None
    first = comb.argmax(axis=0)
    last = comb.shape[0] - 1 - comb[::-1].argmax(axis=0)
    span = last - first + 1
    height = float(np.median(span))
    if not low <= height <= high:
        return None
    flat = max(2.0, COMB_FLAT * height)  # a rule is straight: nearly every column starts and ends on it
    for edge in (first, last):
        if (np.abs(edge - np.median(edge)) > flat).mean() > 1 - COMB_RULE:
            return None  # letters run together (a bold word at low resolution), whose tops and feet wander
    fill = cv2.dilate(comb, np.ones((1, 3), np.uint8)).sum(axis=0) / np.maximum(span, 1)
    border = (fill >= COMB_RULE) & (span >= COMB_RULE * height) & (span <= height / COMB_RULE)
    spans: list[tuple[int, int]] = []
    start = None
    for x, on in enumerate([*border, False]):
        if on and start is None:
            start = x
        elif not on and start is not None:
            spans.append((start, x))
            start = None
    if len(spans) < MIN_COMB_BOXES + 1 or any(b - a > height / 4 + 2 for a, b in spans):
        return None
    gaps = np.diff([(a + b) / 2 for a, b in spans])
    narrow, wide = COMB_BOX
    if gaps.min() < narrow * height or gaps.max() > wide * height or gaps.max() > 1.35 * gaps.min():
        return None
    return spans


@dataclass(frozen=True)
class Comb:
    """A row of character boxes: its box in the image's pixels, the column spans of its vertical borders,
    and the ink shape's label in the connected components it was found among."""

    bbox: BBox
    borders: list[tuple[int, int]]
    label: int


def find_combs(binary: np.ndarray, page_width: int | None = None) -> tuple[list[Comb], np.ndarray]:
    """The combs (``_comb_borders``) of a binary image (ink 0), and its connected components' labels.

    ``page_width``: the whole page's, when ``binary`` is a part of it (a comb's size is a share of it).
    """
    width = page_width or binary.shape[1]
    low, high = (round(width * share) for share in COMB_HEIGHT)
    ink = (binary < 128).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    found: list[Comb] = []
    for k in range(1, count):
        x, y, w, h = (int(v) for v in stats[k, :4])
        if not (low <= h <= 3 * high and w >= MIN_COMB_BOXES * COMB_BOX[0] * low):
            continue
        spans = _comb_borders((labels[y : y + h, x : x + w] == k).astype(np.uint8), low, high)
        if spans is not None:
            found.append(Comb((x, y, x + w, y + h), [(x + a, x + b) for a, b in spans], k))
    return found, labels


def erase_box_combs(binary: np.ndarray, image: np.ndarray) -> np.ndarray:
    """``image`` with the vertical borders of character boxes painted white, found on ``binary`` (the OCR
    image before its rules were erased; ink 0).

    An ID printed one digit a box ("|0|5|6|...|9|", boxes sharing their borders, borders close to the
    digits) keeps its short verticals once ``erase_rules`` took the long top and bottom rules: the page's
    OCR reads them as "l", "I", "]" and the digits between them as "o", "a", "s". A comb (see
    ``_comb_borders``) loses its verticals, only the comb's own pixels in their columns, so that a digit
    touching a border keeps the rest of its strokes; the digits then read as digits, spaced apart.
    """
    combs, labels = find_combs(binary)
    out = image.copy() if combs else image
    for comb in combs:
        _, y0, _, y1 = comb.bbox
        for a, b in comb.borders:
            a, b = max(0, a - 1), min(binary.shape[1], b + 1)
            out[y0:y1, a:b][labels[y0:y1, a:b] == comb.label] = 255
    return out


def clear_for_ocr(binary: np.ndarray) -> np.ndarray:
    """Rules and leaders out of the OCR image (``erase_rules``, ``erase_leaders``)."""
    return clear_line_art(binary).image


def clear_line_art(binary: np.ndarray) -> Cleared:
    """``clear_for_ocr``'s image and the figures its strokes drew (``line_art.figure_boxes``)."""
    image, segments = _erase_strokes(binary)
    image = erase_box_combs(binary, erase_leaders(image))
    return Cleared(image, line_art.figure_boxes(segments, gap=max(40, binary.shape[1] // MIN_RUN_PAGE)))
