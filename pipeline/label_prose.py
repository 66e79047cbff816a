"""Labelled values as prose and narrow columns wrap them, where the one-line reading of ``pipeline.labels``
misses them.

- A label the line break cuts: "...; số định danh cá nhân: 062088380512; địa" / "chỉ thường trú: Buôn
  Ea Tu, ..." (a land certificate's holder, written as one sentence with lower-case labels after ";").
- A value whose last line goes on with the next label or sentence ("Ma Thuột, tỉnh Đắk Lắk. ...").
- A code whose letters end the label's line and whose digits open the next ("Số vào sổ cấp GCN: CH" over
  "31226"), with a seal or the signature on the same rows further right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.geometry import below_in_column, first_cell, line_height, text_height
from pipeline.layout import Line
from pipeline.models import Word
from pipeline.normalize import fold

# A "." that ends a sentence: after a word of three letters or more ("Đắk Lắk."), not an abbreviation
# of an address ("Tp.", "P.", "TX."), before the next sentence's word.
SENTENCE_END = re.compile(r"(?<=[^\W\d_]{3})\.(?=\s+[^\W\d_])")
CODE_LETTERS = re.compile(r"[A-ZĐ]{1,3}")  # a registry or serial code's prefix ("CH", "VP", "AK")
CODE_DIGITS = re.compile(r"\d[\d ]{2,9}")
WRAP_GAP = 1.5  # the digits sit at most this many text heights under the letters (a certificate's loose leading)
PARAGRAPH_GAP = 0.9  # a paragraph's next line is closer than this many line heights
LABEL_OPENS_AFTER = (";", ",")  # in prose a label follows the value before it and one of these


def next_prose_line(lines: Sequence[Line], line: Line) -> Line | None:
    """The line a paragraph goes on to: right under ``line``, at its left edge, ``line`` not ending a
    sentence or a label."""
    height = line_height(line)
    if line.text.rstrip().endswith((".", ":")):
        return None
    for under in below_in_column(lines, line, max_lines=PARAGRAPH_GAP)[:1]:
        if abs(under.bbox[0] - line.bbox[0]) <= 2 * height:
            return under
    return None


def split_label(
    lines: Sequence[Line], line: Line, pattern: re.Pattern[str]
) -> tuple[Line, int, int, re.Match[str]] | None:
    """A label of ``pattern`` (on folded text) that the line break cuts: the line it goes on at the head
    of, where it begins in ``line.text``, where its value begins in that next line's text, and the match
    on the two lines' folded text joined by a space.

    Only a label that opens the line or follows a ";" or "," counts, and it must end, colon and all, on
    the next line: a label-like phrase inside a sentence ("cơ quan quản lý địa" / "chỉ ...") is none."""
    under = next_prose_line(lines, line)
    if under is None:
        return None
    head = fold(line.text)
    joined = f"{head} {fold(under.text)}"
    for m in pattern.finditer(joined):
        if m.start() >= len(head) or m.end() <= len(head) + 1:
            continue  # wholly on one line: read there
        before = line.text[: m.start()].rstrip()
        if before and not before.endswith(LABEL_OPENS_AFTER):
            continue
        return under, m.start(), m.end() - len(head) - 1, m
    return None


def wrapped_code(lines: Sequence[Line], line: Line, words: Sequence[Word]) -> tuple[Line, list[Word]] | None:
    """The line and the digits of a code whose letters alone follow the label on ``line`` (``words``: the
    value's words there): a narrow label column wraps the value after its prefix, so the digits open the
    next line in the label's column, in a cell of their own (a seal or signature may share the row)."""
    head = first_cell(words)
    if not head or not CODE_LETTERS.fullmatch("".join(w.text for w in head).strip(" .:")):
        return None
    height = text_height(line.words) or (line.bbox[3] - line.bbox[1])
    for under in below_in_column(lines, line, max_lines=WRAP_GAP)[:1]:
        cell = first_cell(under.words)
        if under.bbox[0] < line.bbox[0] + 2 * height and CODE_DIGITS.fullmatch(" ".join(w.text for w in cell)):
            return under, cell
    return None
