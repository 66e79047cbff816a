"""An ID number printed one digit a box (the 12 boxes of "Số định danh cá nhân" on form CT01).

OCR reads such a row in several ways: "0|5|6|…", digits apart with spaces, each box's rule as a tall
"1" between the digits, or, when the boxes are table cells, one line per box. The label reader uses
these helpers to gather the digits back into one value; ``normalize.boxed_digits`` then drops rules
read as ones inside the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.geometry import right_on_row, text_height, word_height
from pipeline.layout import Line
from pipeline.models import Word

DIGIT_CELL = re.compile(r"[\d\s|\[\]()!Il]+")  # digits and what OCR makes of box rules
RULE_TOKENS = frozenset({"1", "|", "I", "l", "!", "[", "]"})
RULE_HEIGHT = 1.5  # a rule read as a character stands this many text heights tall, or more
CELL_GAP = 3.0  # boxes of one number sit closer than this many text heights apart


def is_box_rule(word: Word, ref: float) -> bool:
    """A box's vertical rule read as a character: "1", "|", "I", much taller than the digits."""
    return word.text.strip() in RULE_TOKENS and word_height(word) > RULE_HEIGHT * ref


def drop_box_rules(words: Sequence[Word]) -> list[Word]:
    """The words without the box rules read among them."""
    ref = text_height(words)
    return [w for w in words if not is_box_rule(w, ref)]


def digit_cells(lines: Sequence[Line], cell: Line) -> list[Line]:
    """The cells right of ``cell`` on its row that hold only digits and box rules, while they stay close:
    an ID printed one digit a box may be read as one cell per box."""
    if not DIGIT_CELL.fullmatch(cell.text):
        return []
    out: list[Line] = []
    edge, gap = cell.bbox[2], CELL_GAP * (text_height(cell.words) or cell.bbox[3] - cell.bbox[1])
    for nxt in right_on_row(lines, cell):
        if not DIGIT_CELL.fullmatch(nxt.text) or nxt.bbox[0] - edge > gap:
            break
        out.append(nxt)
        edge = nxt.bbox[2]
    return out
