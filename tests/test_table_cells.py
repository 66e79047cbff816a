"""Table cells parted by the rules found on the page: a ruled row read as one line gives one value per cell."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from pipeline import clean
from pipeline.extract import extract_document
from pipeline.layout import page_lines, split_cells
from pipeline.models import FieldValue, PageResult, Word
from pipeline.rules import vertical_rules

W, H = 1654, 2339  # A4 at 200 dpi
HEAD = ["TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ"]


def _width(text: str) -> int:
    return sum(18 * len(t) + 14 for t in text.split()) - 14


def _table(x: int, y: int, rows: list[list[str]]) -> tuple[list[Word], list[tuple[int, int, int]]]:
    """A ruled table whose rows Tesseract read as one line each: the words, and the rules between columns.

    Each column is as wide as its longest cell plus 40 px, so a cell's text ends 40 px before the next one
    begins: closer than a column gap, as in a tight table.
    """
    widths = [max(_width(row[c]) for row in rows) + 40 for c in range(len(rows[0]))]
    starts = [x + sum(widths[:c]) for c in range(len(widths))]
    words: list[Word] = []
    for line, row in enumerate(rows):
        top = y + 60 * line
        for start, cell in zip(starts, row, strict=True):
            cx = start
            for token in cell.split():
                words.append(Word(token, (cx, top, cx + 18 * len(token), top + 34), 0.93, line + 1))
                cx += 18 * len(token) + 14
    rules = [(s - 20, y - 15, y + 60 * len(rows)) for s in starts[1:]]
    return words, rules


def test_vertical_rules_of_a_drawn_table_are_found_and_the_page_frame_is_not() -> None:
    image = Image.new("L", (W, H), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, W - 60, H - 60), outline=0, width=4)  # the page's frame
    for x in (200, 700, 1450):
        draw.line((x, 500, x, 780), fill=0, width=3)
    for y in (500, 640, 780):
        draw.line((200, y, 1450, y), fill=0, width=3)
    binary = clean.binarize(np.asarray(image))
    found = vertical_rules(binary)
    assert len(found) == 3
    assert all(abs(x - want) <= 3 for (x, _, _), want in zip(found, (200, 700, 1450), strict=True))
    assert all(abs(top - 500) <= 4 and abs(bottom - 781) <= 4 for _, top, bottom in found)


def test_a_ruled_row_read_as_one_line_is_cut_at_its_rules() -> None:
    words, rules = _table(230, 540, [["Họ và tên", "Nguyễn Văn An", "Nam"]])
    parts = split_cells(words, rules)
    assert [" ".join(w.text for w in p) for p in parts] == ["Họ và tên", "Nguyễn Văn An", "Nam"]
    assert split_cells(words, [(x, 700, 800) for x, _, _ in rules]) == [words]  # another row's rules


def _form(rows: list[list[str]], *, ruled: bool) -> dict[str, str | None]:
    title = [Word(t, (500 + 60 * i, 200, 550 + 60 * i, 234), 0.93, 0) for i, t in enumerate(HEAD[0].split())]
    words, rules = _table(230, 540, rows)
    page = PageResult(
        1, "scan.pdf", 200, False, W, H, 0, 0.0, Path("p.jpg"), title + words, cell_rules=rules if ruled else []
    )
    doc = extract_document(1, page_lines(page), [1])
    return {k: v.value for k, v in doc.fields.items() if isinstance(v, FieldValue)}


def test_values_of_a_ruled_table_stay_in_their_cells() -> None:
    rows = [
        ["Họ, chữ đệm và tên", "TRẦN THỊ MAI", "Dân tộc", "Kinh"],
        ["Số định danh cá nhân", "048185001234", "Quốc tịch", "Việt Nam"],
    ]
    f = _form(rows, ruled=True)
    assert f.get("full_name") == "TRẦN THỊ MAI"
    assert f.get("personal_id") == "048185001234"
    unruled = _form(rows, ruled=False)  # without the rules the name ran into the next cells
    assert unruled.get("full_name") != "TRẦN THỊ MAI"
