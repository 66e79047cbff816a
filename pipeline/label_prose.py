"""Labelled values that a narrow column wraps, where the one-line reading of ``pipeline.labels`` misses
them: a code whose letters end the label's line and whose digits open the next ("Số vào sổ cấp GCN: CH"
over "31226"), with a seal or the signature on the same rows further right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.geometry import below_in_column, first_cell, text_height
from pipeline.layout import Line
from pipeline.models import Word

CODE_LETTERS = re.compile(r"[A-ZĐ]{1,3}")  # a registry or serial code's prefix ("CH", "VP", "AK")
CODE_DIGITS = re.compile(r"\d[\d ]{2,9}")
WRAP_GAP = 1.5  # the digits sit at most this many text heights under the letters (a certificate's loose leading)


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
