"""Where lines sit relative to each other: rows, columns, blocks, and the debris of leaders and rules.

Tesseract's line order is not the page's: a wrapped subject in the left column can be followed, in
reading order, by the date of the right column, and a name under a seal can come out as two lines.
Extraction therefore asks the geometry ("the lines below this one, in its column"), not the order.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Iterable, Sequence

from pipeline.layout import Line, split_columns
from pipeline.models import Word

# A leader or a rule read as text: only dots, dashes, underscores and the shapes OCR makes of them.
LEADER_RE = re.compile(r"^[\s.…·•,:;'`´~_\-–—=¬|/\\°\"*^]+$")
MIN_WORD_CONFIDENCE = 0.5  # below this a short token at a value's edge is more likely ink than a word
CELL_GAP = 1.2  # a blank wider than this many text heights between two words is a tab or a cell border


def word_height(word: Word) -> int:
    return word.bbox[3] - word.bbox[1]


def text_height(words: Iterable[Word]) -> float:
    """Median height of the words that carry letters or digits: the size of the text, not of its debris."""
    heights = [word_height(w) for w in words if any(c.isalnum() for c in w.text)]
    return float(statistics.median(heights)) if heights else 0.0


def cell_break(left: Word, right: Word, height: float) -> bool:
    """A blank between two words of one row wide enough to part two cells (or a label from its value in
    the next cell): word spacing is about a third of the text height, a tab or a column gap several."""
    return right.bbox[0] - left.bbox[2] > CELL_GAP * height


def cells(words: Sequence[Word]) -> list[list[Word]]:
    """A row's words parted wherever ``cell_break`` parts two of them: its cells, left to right."""
    height = text_height(words)
    out: list[list[Word]] = [list(words[:1])] if words else []
    for prev, word in itertools.pairwise(words):
        if cell_break(prev, word, height):
            out.append([])
        out[-1].append(word)
    return out


def first_cell(words: Sequence[Word]) -> list[Word]:
    """A row's words up to its first cell break: a seal or signature further right on the row is other
    ink, not more of the value."""
    return next(iter(cells(words)), [])


def line_height(line: Line) -> float:
    return text_height(line.words) or float(line.bbox[3] - line.bbox[1])


def h_overlap(a: Line, b: Line) -> int:
    """Pixels of horizontal overlap between two lines' boxes (negative: the gap between them)."""
    return min(a.bbox[2], b.bbox[2]) - max(a.bbox[0], b.bbox[0])


def same_row(a: Line, b: Line) -> bool:
    """Two lines on one printed row: their boxes share at least half the smaller height."""
    if a.page != b.page:
        return False
    overlap = min(a.bbox[3], b.bbox[3]) - max(a.bbox[1], b.bbox[1])
    return overlap >= 0.5 * min(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1])


def below_in_column(lines: Sequence[Line], line: Line, *, max_lines: float = 1.2) -> list[Line]:
    """Lines under ``line`` that overlap it horizontally, top to bottom, while each gap stays under
    ``max_lines`` line heights: the lines a wrapped value or a block continues onto."""
    height = line_height(line)
    under = sorted(
        (
            ln
            for ln in lines
            if ln.page == line.page
            and ln is not line
            and ln.bbox[1] >= line.bbox[3] - 0.3 * height
            and h_overlap(ln, line) > 0
        ),
        key=lambda ln: ln.bbox[1],
    )
    out: list[Line] = []
    bottom = line.bbox[3]
    for ln in under:
        if ln.bbox[1] - bottom > max_lines * height:
            break
        if out and same_row(ln, out[-1]):
            continue  # a second piece of a row already taken (seal debris beside a word)
        out.append(ln)
        bottom = ln.bbox[3]
    return out


def right_on_row(lines: Sequence[Line], line: Line) -> list[Line]:
    """Lines on the same row as ``line`` and to its right, left to right (the next cells of a table row)."""
    return sorted(
        (ln for ln in lines if ln is not line and same_row(ln, line) and ln.bbox[0] >= line.bbox[2] - 2),
        key=lambda ln: ln.bbox[0],
    )


def regroup_rows(words: Sequence[Word], page: int, width: int, height: int) -> list[Line]:
    """Words put back into printed rows by their boxes alone, whatever line ids OCR gave them.

    A seal over a name makes Tesseract cut "Dương Văn Nghĩa" into two lines, or join a speck to it;
    rows are rebuilt from vertical centres, then cut where a wide gap separates two columns.
    """
    ordered = sorted(words, key=lambda w: (w.bbox[1] + w.bbox[3]) / 2)
    rows: list[list[Word]] = []
    for w in ordered:
        centre = (w.bbox[1] + w.bbox[3]) / 2
        if rows:
            ref = text_height(rows[-1]) or word_height(rows[-1][0])
            last_centre = statistics.median((x.bbox[1] + x.bbox[3]) / 2 for x in rows[-1])
            if abs(centre - last_centre) <= 0.5 * max(ref, 1):
                rows[-1].append(w)
                continue
        rows.append([w])
    out = [Line(page, tuple(part), width, height) for row in rows for part in split_columns(row)]
    return sorted(out, key=lambda ln: (ln.bbox[1], ln.bbox[0]))


def is_debris(word: Word, ref_height: float) -> bool:
    """A token that is a leader, a rule or a speck rather than a printed word.

    Dot leaders read as "....", "No", "Ni", "¬": punctuation only, or a short token much lower than the
    text (dots sit on the baseline) or read with little confidence; a table rule read as "|" or "1" is
    much taller than the text.
    """
    text = word.text.strip()
    if not text or LEADER_RE.match(text):
        return True
    if not any(c.isalnum() for c in text):
        return True
    if ref_height <= 0:
        return False
    h = word_height(word)
    short = sum(c.isalnum() for c in text) <= 2
    if h < 0.35 * ref_height and not text.isdigit():
        return True
    return short and (h > 1.8 * ref_height or word.confidence < MIN_WORD_CONFIDENCE)


def trim_debris(words: Sequence[Word], ref_height: float | None = None) -> list[Word]:
    """The words with leader and rule debris dropped from both ends and from inside runs of leaders."""
    ref = text_height(words) if ref_height is None else ref_height
    kept = list(words)
    while kept and is_debris(kept[-1], ref):
        kept.pop()
    while kept and is_debris(kept[0], ref):
        kept.pop(0)
    return [w for w in kept if not (LEADER_RE.match(w.text.strip()) and len(w.text.strip()) > 1)]


def strip_leaders(text: str) -> str:
    """Text without runs of leader dots or underscores ("Nguyễn Văn A.........." → "Nguyễn Văn A")."""
    text = re.sub(r"(?:\s*[.…·_]){3,}\s*", " ", text)
    return re.sub(r"\s+", " ", text).strip()
