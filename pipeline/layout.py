"""Text lines of a page with their geometry, built from OCR words, for field extraction."""

from __future__ import annotations

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


def page_lines(page: PageResult) -> list[Line]:
    """Lines of a page, top to bottom, each line's words left to right."""
    groups: dict[int, list[Word]] = {}
    for w in page.words:
        groups.setdefault(w.line, []).append(w)
    lines = [
        Line(page.number, tuple(sorted(ws, key=lambda w: w.bbox[0])), page.width, page.height)
        for ws in groups.values()
    ]
    return sorted(lines, key=lambda ln: (ln.bbox[1], ln.bbox[0]))


def is_upper(text: str) -> bool:
    """Mostly capital letters (agency names, titles), tolerant of an OCR'd lowercase letter or two."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)
