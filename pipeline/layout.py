"""Text lines of a page with their geometry, built from OCR words, for field extraction."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.models import BBox, PageResult, Word


@dataclass(frozen=True)
class Line:
    """One OCR line: its words, text (words joined by single spaces), box and page."""

    page: int
    words: tuple[Word, ...]
    page_width: int
    page_height: int

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def bbox(self) -> BBox:
        return union(w.bbox for w in self.words)

    @property
    def confidence(self) -> float:
        return sum(w.confidence for w in self.words) / len(self.words)

    @property
    def center_x(self) -> float:
        x0, _, x1, _ = self.bbox
        return (x0 + x1) / 2 / self.page_width

    @property
    def top(self) -> float:
        return self.bbox[1] / self.page_height

    def span_words(self, start: int, end: int) -> tuple[Word, ...]:
        """Words overlapping the character span [start, end) of ``text``."""
        out: list[Word] = []
        pos = 0
        for w in self.words:
            w_start, w_end = pos, pos + len(w.text)
            if w_start < end and w_end > start:
                out.append(w)
            pos = w_end + 1
        return tuple(out)


def union(boxes) -> BBox:  # type: ignore[no-untyped-def]
    """Smallest box containing all boxes."""
    bs = list(boxes)
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))


COLUMN_GAP = 2.5  # a gap wider than this many line heights separates two columns


def split_columns(words: list[Word]) -> list[list[Word]]:
    """Cut one OCR line where a wide gap separates two zones (e.g. "Số: ..." left, the date right).

    Tesseract often reads the left and right zones of an ND 30 header as one line; the zones carry
    different fields, so they are separated again by the horizontal gap between words.
    """
    ordered = sorted(words, key=lambda w: w.bbox[0])
    heights = sorted(w.bbox[3] - w.bbox[1] for w in ordered)
    limit = COLUMN_GAP * heights[len(heights) // 2]
    parts: list[list[Word]] = [[ordered[0]]]
    for prev, word in itertools.pairwise(ordered):
        if word.bbox[0] - prev.bbox[2] > limit:
            parts.append([])
        parts[-1].append(word)
    return parts


def split_cells(words: list[Word], rules: Sequence[Sequence[int]]) -> list[list[Word]]:
    """Cut a line where a vertical table rule runs between two of its words: each cell is its own line.

    Tesseract reads a ruled row as one line; its label cell and value cell carry different fields.
    """
    if not rules or len(words) < 2:
        return [words]
    top, bottom = min(w.bbox[1] for w in words), max(w.bbox[3] for w in words)
    middle = (top + bottom) / 2
    xs = [x for x, y0, y1 in rules if y0 <= middle <= y1]
    parts: list[list[Word]] = [[words[0]]]
    for prev, word in itertools.pairwise(words):
        if any(prev.bbox[2] <= x <= word.bbox[0] for x in xs):
            parts.append([])
        parts[-1].append(word)
    return parts


def page_lines(page: PageResult) -> list[Line]:
    """Lines of a page, top to bottom, each line's words left to right, columns and table cells split apart."""
    groups: dict[int, list[Word]] = {}
    for w in page.words:
        groups.setdefault(w.line, []).append(w)
    lines = [
        Line(page.number, tuple(cell), page.width, page.height)
        for ws in groups.values()
        for part in split_columns(ws)
        for cell in split_cells(part, page.cell_rules)
    ]
    return sorted(lines, key=lambda ln: (ln.bbox[1], ln.bbox[0]))


def is_upper(text: str) -> bool:
    """Mostly capital letters (agency names, titles), tolerant of an OCR'd lowercase letter or two."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)
