"""Sections of a form that give a generic label its owner: "Người mẹ" over "Họ, chữ đệm và tên:".

A birth certificate may print the parents' names under headings of their own ("Người mẹ", "Thông tin
về cha"), with the same "Họ, chữ đệm và tên:" label the child's name has, or as the columns of a table
("Người mẹ | Người cha") whose rows are those labels. The heading, not the label, says whose name it
is: this module finds the headings and the lines (or the column) each one governs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.doctypes import DocType, FieldSpec
from pipeline.geometry import cell_break, same_row, text_height
from pipeline.layout import Line
from pipeline.models import Word
from pipeline.normalize import fold, fold_words

# Numbering before a heading ("II.", "3.", "b)") and the colon after it are not part of it.
NUMBERING = re.compile(r"^\W*(?:[IVX]{1,4}|\d{1,2}|[A-Z])\s*[.)]\s*")
SECTION_DEPTH = 12  # a section runs at most this many lines under its heading


def heading_key(text: str) -> str:
    """A line's words as a heading is compared: folded, numbering and trailing colon dropped."""
    return fold_words(NUMBERING.sub("", fold(text).strip().rstrip(":").strip()))


def _keys(specs: Sequence[FieldSpec]) -> set[str]:
    return {fold_words(h) for spec in specs for h in spec.sections}


def headings(lines: Sequence[Line], spec: FieldSpec) -> list[int]:
    """Indexes of the lines that are one of the field's section headings, alone on their line."""
    keys = _keys([spec])
    return [i for i, ln in enumerate(lines) if heading_key(ln.text) in keys]


def section_lines(lines: Sequence[Line], head: int, doc_type: DocType) -> list[int]:
    """The lines under heading ``head``, in reading order, up to the next heading of any section."""
    keys = _keys(doc_type.schema)
    top = lines[head]
    out: list[int] = []
    for j in range(head + 1, min(len(lines), head + 1 + SECTION_DEPTH)):
        ln = lines[j]
        if same_row(ln, top):
            continue  # the heading of the next column
        if ln.page != top.page or heading_key(ln.text) in keys:
            break
        if ln.bbox[1] >= top.bbox[1] + 0.5 * (top.bbox[3] - top.bbox[1]):
            out.append(j)
    return out


def column_of(lines: Sequence[Line], head: int, doc_type: DocType) -> tuple[float, float] | None:
    """The x-range of the column heading ``head`` names, when it shares its row with another section's
    heading (the sections are the columns of a table), else None: from half-way to the heading on its
    left to half-way to the one on its right."""
    keys = _keys(doc_type.schema)
    top = lines[head]
    row = [ln for ln in lines if same_row(ln, top) and heading_key(ln.text) in keys]
    if len(row) < 2:
        return None
    centres = sorted((ln.bbox[0] + ln.bbox[2]) / 2 for ln in row)
    mine = (top.bbox[0] + top.bbox[2]) / 2
    k = centres.index(mine)
    lo = (centres[k - 1] + mine) / 2 if k else mine - (centres[1] - mine) / 2
    hi = (centres[k + 1] + mine) / 2 if k + 1 < len(centres) else float(top.page_width)
    return lo, hi


def words_in_column(lines: Sequence[Line], row: Line, after_x: float, column: tuple[float, float]) -> list[Word]:
    """The words of ``row``'s printed row right of ``after_x`` (the label's end) that are this column's
    value: runs of words set at word spacing, each belonging to the column its first word's centre is in.
    A value that runs past half-way to the next heading ("Nguyễn Hồng Quỳnh" under "Người mẹ") keeps its
    last word, and the next column does not take it; two columns' values stand a cell's gap apart."""
    lo, hi = column
    words = sorted(
        (w for ln in lines if ln is row or same_row(ln, row) for w in ln.words if w.bbox[0] >= after_x),
        key=lambda w: w.bbox[0],
    )
    out: list[Word] = []
    mine = False
    for k, w in enumerate(words):
        if not k or cell_break(words[k - 1], w, text_height(words[k - 1 : k + 1])):
            mine = lo <= (w.bbox[0] + w.bbox[2]) / 2 < hi  # a new run: whose column it starts in
        if mine:
            out.append(w)
    return out


def owned_lines(lines: Sequence[Line], spec: FieldSpec, doc_type: DocType) -> set[int]:
    """Lines where ``spec``'s labels name another field: under the headings of a field whose section
    labels ``spec`` shares ("Họ, chữ đệm và tên:" under "Người mẹ" is the mother's, not the child's)."""
    mine = {fold_words(lab) for lab in spec.labels}
    out: set[int] = set()
    for other in doc_type.schema:
        if other is spec or not mine & {fold_words(lab) for lab in other.section_labels}:
            continue
        for head in headings(lines, other):
            out.update(section_lines(lines, head, doc_type))
    return out
