"""Tables whose first row holds the labels and whose next row holds the values, column by column.

Land-use certificates print a parcel as "Thửa đất số | Tờ bản đồ số | Diện tích (m²) | Mục đích sử dụng"
with "215 | 12 | 1.250,5 | Đất ở tại đô thị" under it; residence papers list household members the same
way ("Họ, chữ đệm và tên | Ngày, tháng, năm sinh | Giới tính | Quan hệ với chủ hộ"). Read label by label,
each head's right neighbour is another head and the line under it may be a neighbour's value, so the
value is read here by column: the words of the row under the head row whose centre falls in the head's
column (bounded half-way to the neighbouring heads), never from a neighbouring column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from pipeline.geometry import cell_break, line_height, same_row, strip_leaders, trim_debris
from pipeline.layout import Line
from pipeline.models import Word
from pipeline.normalize import fold_words

HEADER_ONLY = ("STT", "Số TT", "TT", "Số thứ tự", "Ghi chú")  # column heads no schema reads
NUMBERING_RE = re.compile(r"^(?:\d{1,2}[.)]|[a-zđ]\)|[IVX]{1,4}\.)$")  # "1.", "a)", "II." before a head
UNIT_MAX_WORDS = 3  # "(m²)", "(dd/mm/yyyy)": a head's unit or gloss in parentheses
SHORT_HEAD = 3  # letters and digits of a head no label names left of the labels ("STT", "TT", "#")
VALUE_ROW_GAP = 3.0  # the value row starts within this many line heights under the head row
WRAP_GAP = 1.2  # a head or a value wraps onto a line at most this many text heights under it
UNIT_LINE_RE = re.compile(r"[({\[].{0,12}|.{0,12}[)}\]]")  # "(m²)" on a line of its own, OCR'd "{m?)" too


@dataclass(frozen=True)
class HeadCell:
    """One column head of a head-row table and what its column holds in the row under the heads."""

    label: str  # the head's label as ``fold_words`` gives it ("DIEN TICH"), "" for a head no label names
    words: tuple[Word, ...]  # the head's words, over the lines it wraps onto
    lines: tuple[int, ...]  # indexes of the lines holding the head's words
    value: tuple[Word, ...]  # the words in its column in the value row (and the lines a value wraps onto)
    value_line: int | None  # index of the line holding the value's first word
    value_lines: tuple[int, ...] = ()  # indexes of every line holding a word of the value


@dataclass
class _Cell:
    key: tuple[str, ...]  # folded tokens of the head read so far
    kind: str  # "label" (a whole label), "prefix" (the start of one, wrapped), "head" (header-only), "other"
    words: list[Word]
    lines: list[int]


@lru_cache(maxsize=8)
def _vocabulary(labels: frozenset[str]) -> tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]], int]:
    """Labels as token tuples, every proper prefix of one, and the longest label's length in tokens."""
    keys = {tuple(fold_words(lab).split()) for lab in labels} - {()}
    prefixes = {k[:n] for k in keys for n in range(1, len(k))}
    return frozenset(keys), frozenset(prefixes), max((len(k) for k in keys), default=0)


def _is_unit(word: Word) -> bool:
    """A head's unit, "(m²)", or as OCR misreads it: "{m?)", "m?)"."""
    return word.text.startswith(("(", "{", "[")) or (len(word.text) <= 5 and word.text.endswith((")", "}", "]")))


def _unit_end(words: Sequence[Word], start: int) -> int:
    """Index of the word closing the parenthesis opened at ``start`` (at most ``UNIT_MAX_WORDS`` words)."""
    for k in range(start, min(len(words), start + UNIT_MAX_WORDS)):
        if words[k].text.rstrip(":;.,").endswith((")", "}", "]")):
            return k
    return start


def _segment(words: Sequence[Word], labels: frozenset[str]) -> list[_Cell]:
    """A line's words cut into heads: known labels (longest first), a trailing unit in parentheses kept
    with its label, the start of a label that wraps at the line's end, and runs of other words."""
    keys, prefixes, longest = _vocabulary(labels)
    heads, _, _ = _vocabulary(frozenset(HEADER_ONLY))
    tokens = [(t, k) for k, w in enumerate(words) for t in fold_words(w.text).split()]
    cells: list[_Cell] = []
    p = 0
    while p < len(tokens):
        k = tokens[p][1]
        if not cells and NUMBERING_RE.match(words[k].text) and p + 1 < len(tokens):
            p += 1
            continue
        seq = tuple(t for t, _ in tokens[p : p + longest])
        n = next(
            (n for n in range(len(seq), 0, -1) if (seq[:n] in keys or seq[:n] in heads) and _ends_word(tokens, p + n)),
            0,
        )
        if n:
            kind = "label" if seq[:n] in keys else "head"
            idx = sorted({tokens[j][1] for j in range(p, p + n)})
            p += n
            if p < len(tokens) and _is_unit(words[tokens[p][1]]):
                unit = _unit_end(words, tokens[p][1])
                idx.extend(range(tokens[p][1], unit + 1))
                while p < len(tokens) and tokens[p][1] <= unit:
                    p += 1
            cells.append(_Cell(seq[:n], kind, [words[j] for j in sorted(set(idx))], []))
            continue
        rest = tuple(t for t, _ in tokens[p:])
        if rest in prefixes:
            cells.append(_Cell(rest, "prefix", [words[j] for j in sorted({k for _, k in tokens[p:]})], []))
            break
        if cells and cells[-1].kind == "other":
            if cells[-1].words[-1] is not words[k]:
                cells[-1].words.append(words[k])
        else:
            cells.append(_Cell((), "other", [words[k]], []))
        p += 1
    return cells


def _ends_word(tokens: list[tuple[str, int]], end: int) -> bool:
    """A label ends where a word ends: "Số" is no head of "Số12"."""
    return end >= len(tokens) or tokens[end][1] != tokens[end - 1][1]


def _x(words: Sequence[Word]) -> tuple[int, int]:
    return min(w.bbox[0] for w in words), max(w.bbox[2] for w in words)


def _bottom(words: Sequence[Word]) -> int:
    return max(w.bbox[3] for w in words)


def _wrap(lines: Sequence[Line], index: int, cell: _Cell, labels: frozenset[str], used: set[int]) -> None:
    """Join to a head the lines it wraps onto ("Thửa đất" / "số", "Diện tích" / "(m²)")."""
    keys, prefixes, _ = _vocabulary(labels)
    line = lines[index]
    height = line_height(line)
    while True:
        x0, x1 = _x(cell.words)
        bottom = _bottom(cell.words)
        under = [
            j
            for j, ln in enumerate(lines)
            if j not in used
            and ln.page == line.page
            and bottom - 0.3 * height <= ln.bbox[1] <= bottom + WRAP_GAP * height
            and min(x1, ln.bbox[2]) - max(x0, ln.bbox[0]) > 0
        ]
        if len(under) != 1:
            return
        nxt = lines[under[0]]
        joined = cell.key + tuple(fold_words(nxt.text).split())
        unit = cell.kind == "label" and UNIT_LINE_RE.fullmatch(nxt.text.strip(" :;.,")) is not None
        if not unit and joined not in keys and joined not in prefixes:
            return
        cell.words.extend(nxt.words)
        cell.lines.append(under[0])
        used.add(under[0])
        if not unit:
            cell.key = joined
            cell.kind = "label" if joined in keys else "prefix"


def _head_row(lines: Sequence[Line], row: list[int], labels: frozenset[str]) -> list[_Cell] | None:
    """The heads of a row of lines, left to right, if the row is a table's head row: at least two whole
    labels, and every cell a label, the start of one or a header-only head (a value beside a label makes
    it a label-value row instead)."""
    cells: list[_Cell] = []
    used = set(row)
    for j in row:
        line_cells = _segment(lines[j].words, labels)
        if any(c.words[-1].text.endswith((":", ";")) for c in line_cells[:-1]):
            return None  # "Quan hệ với chủ hộ: Chủ hộ": a label, its colon, and its value after it
        for cell in line_cells:
            cell.lines.append(j)
        if len(line_cells) == 1 and line_cells[0].kind in ("label", "prefix"):
            _wrap(lines, j, line_cells[0], labels, used)
        cells.extend(line_cells)
    cells.sort(key=lambda c: _x(c.words)[0])
    first = next((k for k, c in enumerate(cells) if c.kind == "label"), len(cells))
    if sum(c.kind == "label" for c in cells) < 2 or any(c.kind == "other" for c in cells[first:]):
        return None
    if any(
        sum(ch.isalnum() for w in c.words for ch in w.text) > SHORT_HEAD for c in cells[:first] if c.kind == "other"
    ):
        return None  # only a short head ("STT" read as "ST.") may stand before the labels
    return cells


def _bounds(cells: Sequence[_Cell], height: float) -> list[tuple[float, float]]:
    """Each column's left and right edge: half-way to the neighbouring heads, outer ones a little wider."""
    spans = [_x(c.words) for c in cells]
    out = []
    for k, (x0, x1) in enumerate(spans):
        left = (spans[k - 1][1] + x0) / 2 if k else x0 - max(4 * height, x1 - x0)
        right = (x1 + spans[k + 1][0]) / 2 if k + 1 < len(spans) else x1 + max(4 * height, x1 - x0)
        out.append((left, right))
    return out


def _column(word: Word, bounds: Sequence[tuple[float, float]]) -> int | None:
    centre = (word.bbox[0] + word.bbox[2]) / 2
    return next((k for k, (a, b) in enumerate(bounds) if a <= centre < b), None)


def _placed(
    words: list[tuple[int, Word]],
    bounds: Sequence[tuple[float, float]],
    spans: Sequence[tuple[int, int]],
    height: float,
) -> list[tuple[int, Word, int | None]]:
    """Each word of a value row with its column. A run of words set at word spacing is one value and stays in
    the column it starts in, even past half-way to the next head ("Nguyễn Hồng Quỳnh" under "Người mẹ"
    beside "Người cha"); it is cut only where a word stands under another head's own words."""
    out: list[tuple[int, Word, int | None]] = []
    prev: Word | None = None
    current: int | None = None
    for j, word in sorted(words, key=lambda jw: jw[1].bbox[0]):
        column = _column(word, bounds)
        centre = (word.bbox[0] + word.bbox[2]) / 2
        joined = prev is not None and not cell_break(prev, word, height)
        under_head = column is not None and spans[column][0] <= centre <= spans[column][1]
        if not joined or current is None or (column != current and under_head):
            current = column
        out.append((j, word, current))
        prev = word
    return out


def _rows_under(
    lines: Sequence[Line], page: int, bottom: float, bounds: Sequence[tuple[float, float]], height: float
) -> list[list[int]]:
    """The rows of lines under the head row, top to bottom, within the table's width, while each row
    starts close under the one before (``VALUE_ROW_GAP`` line heights for the first, a wrap for others)."""
    left, right = bounds[0][0], bounds[-1][1]
    below = sorted(
        (
            j
            for j, ln in enumerate(lines)
            if ln.page == page and ln.bbox[1] >= bottom - 0.3 * height and ln.bbox[2] > left and ln.bbox[0] < right
        ),
        key=lambda j: lines[j].bbox[1],
    )
    rows: list[list[int]] = []
    for j in below:
        if rows and any(same_row(lines[j], lines[r]) for r in rows[-1]):
            rows[-1].append(j)
            continue
        gap = lines[j].bbox[1] - (max(lines[r].bbox[3] for r in rows[-1]) if rows else bottom)
        if gap > (WRAP_GAP if rows else VALUE_ROW_GAP) * height:
            break
        rows.append([j])
    return rows


def _is_label_row(lines: Sequence[Line], row: list[int], labels: frozenset[str]) -> bool:
    """A row led by labels ("Địa chỉ: ...", the heads of another table): the values above it were left empty.
    A value that happens to be a label word ("Chủ hộ" under "Quan hệ với chủ hộ") does not make one."""
    led = 0
    for j in row:
        cells = _segment(lines[j].words, labels)
        colon = bool(cells) and cells[0].words[-1].text.endswith((":", ";"))
        only_heads = all(c.kind in ("label", "head") for c in cells)
        led += bool(cells) and cells[0].kind == "label" and (colon or only_heads)  # "Số 12 đường ..." is a value
    return 2 * led > len(row)


def _values(
    lines: Sequence[Line], cells: list[_Cell], labels: frozenset[str], height: float
) -> list[tuple[list[Word], int | None]]:
    """The words in each head's column in the value row, and the lines a value wraps onto in its column."""
    bounds = _bounds(cells, height)
    page = lines[cells[0].lines[0]].page
    rows = _rows_under(lines, page, max(_bottom(c.words) for c in cells), bounds, height)
    out: list[tuple[list[Word], int | None]] = [([], None) for _ in cells]
    if not rows or _is_label_row(lines, rows[0], labels):
        return out
    spans = [_x(c.words) for c in cells]
    for n, row in enumerate(rows):
        placed = _placed(
            [(j, w) for j in sorted(row, key=lambda j: lines[j].bbox[0]) for w in lines[j].words], bounds, spans, height
        )
        columns = {k for _, _, k in placed if k is not None}
        if n and (len(columns) != 1 or not out[next(iter(columns))][0]):
            break  # a new table row (several columns filled), not a value wrapping in its cell
        for j, w, k in placed:
            if k is not None:
                words, first = out[k]
                words.append(w)
                out[k] = (words, j if first is None else first)
    return out


def head_cells(lines: Sequence[Line], labels: frozenset[str]) -> dict[int, list[HeadCell]]:
    """The heads of every head-row table in the lines, by the index of the line each head starts on."""
    out: dict[int, list[HeadCell]] = {}
    seen: set[int] = set()
    for i, line in enumerate(lines):
        if i in seen:
            continue
        row = [j for j, ln in enumerate(lines) if j == i or (j not in seen and same_row(ln, line))]
        cells = _head_row(lines, row, labels)
        if cells is None:
            continue
        seen.update(j for c in cells for j in c.lines)
        height = line_height(line)
        for cell, (words, first) in zip(cells, _values(lines, cells, labels, height), strict=True):
            value = tuple(trim_debris(words)) if words else ()
            label = " ".join(cell.key) if cell.kind == "label" else ""
            held = tuple(sorted({j for j, ln in enumerate(lines) if any(w in ln.words for w in words)}))
            head = HeadCell(label, tuple(cell.words), tuple(cell.lines), value, first, held)
            out.setdefault(min(cell.lines), []).append(head)
    return out


def value_text(cell: HeadCell) -> str:
    """The printed value of a head's column, leaders and edge punctuation dropped."""
    return strip_leaders(" ".join(w.text for w in cell.value)).strip(" .;,:|")
