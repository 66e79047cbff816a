"""Text Tesseract's page layout left out, read on its own; and what it read from a figure's strokes, dropped.

Tesseract's layout analysis drops small, isolated text on a sparse page: the edge lengths of a parcel
sketch ("37,76" beside an edge once its stroke is erased), a number alone in a frame. The pixels are
there in the OCR image, only no block was made of them. Ink no word covers, in clusters of several
glyph-sized parts, is read again as short lines (one Tesseract run for all of them, ``ocr.read_regions``);
only numbers read with confidence are added: words found so are often half a word under a seal ("IỦ
TỊCH" of a title the signer block reads again by itself), a number is whole or not read at all.
Inside a figure (slanted line art), garbage read from what is left of its strokes is dropped. The page
job does both only on a page with a figure, where such labels are printed.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from pipeline import ocr
from pipeline.models import BBox, Word
from pipeline.reading_quality import is_garbage

MIN_GLYPH = 300  # a glyph is at least 1/300 of the page's width tall (0.7 mm on A4)
MAX_GLYPH = 25  # and at most 1/25 (8 mm): taller ink is a picture or a heading that was read
MIN_PARTS = 2  # a cluster of fewer glyph-sized parts is a speck, a tick or a lone mark
MAX_REGIONS = 12  # more unread clusters than this is a picture or a photo, not dropped text
MIN_CONFIDENCE = 0.6  # a word read again is kept only when Tesseract is this sure of it
LINE_GAP = 1.0  # a dropped line's words are joined across gaps up to one text height (a word space is ~1/3)
LINE_SHRINK = 2  # lines are looked for on the ink halved: a glyph is still several pixels tall
LINE_PARTS = 8  # a dropped line has at least this many glyph-sized parts
LINE_SHAPE = 4  # and is at least this many times as wide as it is tall
LINE_WORD_CONFIDENCE = 0.75  # every word of a line read again is at least this sure, or the line is left out
NUMBER = re.compile(r"^\(?\d[\d.,/-]*\d\)?[.,;:]?$")  # "37,76", "125", "14.61", "(2)": two digits or more


def _clusters(image: np.ndarray, words: list[Word], gap: int | None, shrink: int = 1) -> list[tuple[BBox, int]]:
    """(box, glyph-sized parts) of the clusters of uncovered ink, parts closer than ``gap`` pixels joined
    (by default ~1.4 mm on A4: the letters and digits of one number). ``shrink``: measured on the ink
    reduced this many times (any ink in a block counts), which is enough to find whole lines and several
    times faster; boxes come back in page pixels."""
    ink = (image < 128).astype(np.uint8)
    pad = max(2, image.shape[1] // 400)
    for w in words:
        x0, y0, x1, y1 = w.bbox
        ink[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = 0
    if shrink > 1:
        ink = cv2.resize(ink, (ink.shape[1] // shrink, ink.shape[0] // shrink), interpolation=cv2.INTER_AREA)
        ink = (ink > 0).astype(np.uint8)
        gap = max(1, (gap or 3) // shrink)
    width = ink.shape[1]
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    low, high = max(4, width // MIN_GLYPH), max(8, width // MAX_GLYPH)
    hs, ws = stats[1:n, cv2.CC_STAT_HEIGHT], stats[1:n, cv2.CC_STAT_WIDTH]
    glyphs = np.flatnonzero((hs >= low) & (hs <= high) & (ws <= 2 * high)) + 1
    if len(glyphs) < MIN_PARTS:
        return []
    clusters = np.zeros_like(ink)
    for k in glyphs:
        x, y, w, h = stats[k, :4]
        clusters[y : y + h, x : x + w] = 1
    clusters = cv2.dilate(clusters, np.ones((1, gap or max(3, width // 150)), np.uint8))
    m, labels, boxes, _ = cv2.connectedComponentsWithStats(clusters, connectivity=8)
    parts = np.bincount(labels[stats[glyphs, 1] + stats[glyphs, 3] // 2, stats[glyphs, 0]], minlength=m)
    out = []
    for k in range(1, m):
        x, y, w, h = boxes[k, :4]
        if h <= high and w >= h:
            box = (int(x) * shrink, int(y) * shrink, int(x + w) * shrink, int(y + h) * shrink)
            out.append((box, int(parts[k])))
    return sorted(out, key=lambda bp: (bp[0][1], bp[0][0]))


def unread_regions(image: np.ndarray, words: list[Word]) -> list[BBox]:
    """Boxes of clusters of glyph-sized ink in ``image`` (ink dark) that no word covers."""
    found = [box for box, parts in _clusters(image, words, None) if parts >= MIN_PARTS]
    return found if len(found) <= MAX_REGIONS else []


def dropped_lines(image: np.ndarray, words: list[Word]) -> list[BBox]:
    """Boxes of uncovered ink shaped like a line of text: many glyphs in a row, words a space apart.

    Tesseract's layout sometimes drops a whole printed line next to a neighbour it read (a bold issuer's
    name level with the motto, an underline touching it): the line's ink is there, no word covers it.
    """
    heights = sorted(w.bbox[3] - w.bbox[1] for w in words if any(c.isalnum() for c in w.text))
    if not heights:
        return []
    text_height = heights[len(heights) // 2]
    found = [
        box
        for box, parts in _clusters(image, words, max(3, round(LINE_GAP * text_height)), shrink=LINE_SHRINK)
        if parts >= LINE_PARTS and box[2] - box[0] >= LINE_SHAPE * (box[3] - box[1])
    ]
    return found if len(found) <= MAX_REGIONS else []


def read_dropped_lines(image: np.ndarray, words: list[Word], *, lang: str, timeout_s: int = 60) -> list[Word]:
    """The words of ``dropped_lines``, each region read as one line, kept only where the whole line reads
    as text: every word sure (``LINE_WORD_CONFIDENCE``) and no garbage. A seal's arc of letters or a
    signature's strokes read so come out unsure or as garbage, and are left out."""
    added: list[Word] = []
    for found in _read_as_lines(image, words, dropped_lines(image, words), lang=lang, timeout_s=timeout_s):
        texty = [w for w in found if any(c.isalnum() for c in w.text)]
        if len(texty) >= 2 and all(w.confidence >= LINE_WORD_CONFIDENCE and not is_garbage(w) for w in texty):
            added += found
    return added


def _read_as_lines(
    image: np.ndarray, words: list[Word], regions: list[BBox], *, lang: str, timeout_s: int
) -> list[list[Word]]:
    """Each region read (one Tesseract run for all), its words on a line and in a block of their own,
    numbered after the page's."""
    if not regions:
        return []
    line = max((w.line for w in words), default=-1) + 1
    block = max((w.block for w in words), default=0) + 1
    found = ocr.read_regions(image, regions, lang=lang, timeout_s=timeout_s)
    return [[Word(w.text, w.bbox, w.confidence, line + k, block + k) for w in ws] for k, ws in enumerate(found)]


def read_unread(image: np.ndarray, words: list[Word], *, lang: str = "Vietnamese", timeout_s: int = 60) -> list[Word]:
    """Numbers in the clusters ``unread_regions`` finds, each region its own line.

    ``lang``: the second reading's engine by default, loaded in every page process already (``ocr.preload``).
    """
    found = _read_as_lines(image, words, unread_regions(image, words), lang=lang, timeout_s=timeout_s)
    return [w for ws in found for w in ws if w.confidence >= MIN_CONFIDENCE and NUMBER.match(w.text)]


def drop_figure_garbage(words: list[Word], figures: list[BBox]) -> list[Word]:
    """``words`` without the garbage (``is_garbage``) read inside a figure: what was left of its strokes.

    A figure (a parcel sketch) holds labels and names, no running text, so a token there that is no
    word, number or code is ink of the drawing read as letters; outside figures nothing is dropped.
    """
    if not figures:
        return words

    def inside(w: Word) -> bool:
        cx, cy = (w.bbox[0] + w.bbox[2]) / 2, (w.bbox[1] + w.bbox[3]) / 2
        return any(x0 <= cx <= x1 and y0 <= cy <= y1 for x0, y0, x1, y1 in figures)

    return [w for w in words if not (inside(w) and is_garbage(w))]
