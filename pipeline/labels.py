"""Labelled form fields ("Họ và tên: ...", "Thửa đất số: 215"), read by the labels the schemas list.

Labels are matched on folded text (no marks, any spacing between their words), so "Giói tính:" or
"Ho va ten:" still find their value; the value runs to the next known label on the line or its end, and
a field marked ``multiline`` takes the lines it wraps onto. The text is normalized by the field's type
(date, number, enum...) and kept raw beside it.

Real forms print labels otherwise than our templates: a label counts only as a whole label ("Số" is not
read in "Quyển số:"), an English half may follow it ("Giới tính/Sex:"), a number may open it ("4."),
an ID may sit one digit a box (``pipeline.id_boxes``), and a generic label may take its owner from a
section heading ("Người mẹ" over "Họ, chữ đệm và tên:", ``pipeline.label_sections``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from pipeline import id_boxes, label_sections, normalize
from pipeline.doctypes import DocType, FieldSpec, all_labels
from pipeline.field_flags import known_syllable
from pipeline.geometry import (
    below_in_column,
    cell_break,
    cells,
    first_cell,
    is_debris,
    right_on_row,
    same_row,
    strip_leaders,
    text_height,
)
from pipeline.header_table import HeadCell, head_cells, value_text
from pipeline.label_prose import SENTENCE_END, next_prose_line, split_label, wrapped_code
from pipeline.layout import Line
from pipeline.models import Word
from pipeline.normalize import fold, fold_words

# Labels of things no schema reads but which end the value before them on a line.
STOP_LABELS = (
    "Email",
    "Fax",
    "Website",
    "Chức danh",
    "Chức vụ",
    "Loại giấy tờ pháp lý của cá nhân",
    "Nơi cấp",
    "Ngày cấp",
    "Dân tộc",
    "Quốc tịch",
    "Năm sinh",
    "Giới tính",
    "Bằng chữ",
    "Ghi bằng chữ",
    "Mã số thuế",
    "Đặc điểm nhân dạng",  # the back of an ID card: never a value, never part of the address above it
    "Ngón trỏ trái",
    "Ngón trỏ phải",
    # A one-stop receipt's other rows: the list of documents ends the procedure's name above it, the field
    # of law is not the procedure, and "Mã thủ tục: 1.001234" is a code, never the short label "Thủ tục".
    "Thành phần hồ sơ",
    "Lĩnh vực",
    "Mã thủ tục",
    "Mã số thủ tục",
    "Mã TTHC",
)


@dataclass(frozen=True)
class Reading:
    """What one label gave: the normalized value (None if it does not parse), the raw text, its words."""

    value: str | None
    raw: str
    words: tuple[Word, ...]
    page: int
    line_index: int
    reasons: tuple[str, ...] = ()


# A unit or gloss in parentheses between a label and its colon: "(m²)", and as OCR misreads it: "(m?}", "m?)".
UNIT = r"(?:\s*[({\[][^(){}\[\]]{1,15}[)}\]]|\s+M\S{0,2}[)}\]])?"
# The English half of a bilingual label ("Giới tính/Sex", "Ngày, tháng, năm/Date, month, year",
# "Số định danh cá nhân/Personal identification number"), on folded text: letters and the punctuation
# English labels carry, up to the colon. Only a slash joins it: a "|" is a table rule before a value.
GLOSS = r"(?:\s*/\s*[A-Z][A-Z ,.'()\-]{1,60}?)?"
# A form's footnote call or required-field star after a label: "Kính gửi(1):", "Nội dung đề nghị(2):"
# (mẫu CT01), "Họ và tên(*):". OCR reads the digit as I or L now and then.
FOOTNOTE = r"(?:\s*\((?:[0-9IL]{1,2}|\*{1,3})\)|\s*\*{1,3})?"


def label_pattern(label: str) -> str:
    """Regex on folded text for a printed label followed by ":" (an English gloss "/ Sex" may sit between)."""
    words = fold_words(label).split()
    body = r"\W*".join(re.escape(w) for w in words)
    return rf"(?<![A-Z0-9]){body}{FOOTNOTE}{UNIT}{GLOSS}\s*[:;]"


def bare_label_pattern(label: str) -> str:
    """Regex on folded text for a label printed without its colon, alone at the head of a line or a table
    cell, or followed by leader dots ("Họ và tên ..........", "3. Số điện thoại")."""
    words = fold_words(label).split()
    body = r"\W*".join(re.escape(w) for w in words)
    numbering = r"(?:\d{1,2}\s*[.)]\s*|[A-Z]\s*\)\s*)?"
    return rf"^\W*{numbering}{body}{FOOTNOTE}{UNIT}{GLOSS}(?=\s*(?:[.…_·]{{2,}}|$))"


@lru_cache(maxsize=64)
def _bare(labels: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(labels, key=lambda s: -len(fold_words(s)))
    return re.compile("|".join(bare_label_pattern(s) for s in ordered))


@lru_cache(maxsize=64)
def _headed(labels: tuple[str, ...]) -> re.Pattern[str]:
    """Labels at a line's head, whatever follows (``_gap_after`` decides whether a value does)."""
    ordered = sorted(labels, key=lambda s: -len(fold_words(s)))
    return re.compile("|".join(bare_label_pattern(s).rsplit("(?=", 1)[0] + r"(?=\s)" for s in ordered))


@lru_cache(maxsize=64)
def _numbered(labels: tuple[str, ...]) -> re.Pattern[str]:
    """Labels of two words or more ending in "số" with the number right after, no colon: "Thửa đất số 215,
    tờ bản đồ số 12" is how prose writes them (never matches: a label that does not end in "số")."""
    bodies = [fold_words(s).split() for s in sorted(labels, key=lambda s: -len(fold_words(s)))]
    alts = [r"\W*".join(re.escape(w) for w in b) for b in bodies if len(b) >= 2 and b[-1] == "SO"]
    return re.compile(rf"(?<![A-Z0-9])(?:{'|'.join(alts)})(?=\s+[A-Z]?\d)" if alts else r"(?!)")


def _gap_after(line: Line, end: int) -> bool:
    """A wide blank, or a rule, after the label's last word: the value sits apart from it (a tab, a cell)."""
    spans = _word_spans(line)
    before = [w for a, b, w in spans if b <= end]
    after = [w for a, b, w in spans if a >= end]
    if not before or not after:
        return False
    if after[0].text.strip() in ("|", "¦"):
        return True  # a table rule read as a bar: the value's cell begins after it
    return cell_break(before[-1], after[0], text_height(line.words))


@lru_cache(maxsize=1)
def _all_bare() -> re.Pattern[str]:
    return _bare(tuple(sorted(all_labels() | set(STOP_LABELS))))


def starts_with_label(text: str) -> bool:
    """The text opens with a known label, with its colon or printed bare: a new field, not a wrapped value."""
    folded = fold(text)
    m = _all_labels().search(folded)
    if m and not folded[: m.start()].strip(" .-+0123456789)"):
        return True
    return _all_bare().search(folded) is not None


@lru_cache(maxsize=64)
def _compiled(labels: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(labels, key=lambda s: -len(fold_words(s)))  # longest first: "Họ và tên chủ hộ" before "Họ và tên"
    return re.compile("|".join(label_pattern(s) for s in ordered))


@lru_cache(maxsize=1)
def _all_labels() -> re.Pattern[str]:
    return _compiled(tuple(sorted(all_labels() | set(STOP_LABELS))))


def whole_label(folded: str, text: str, start: int, end: int) -> bool:
    """The label found at [start, end) of a line is printed as a whole label, not the tail of another.

    "Số" must not be read in "Quyển số: 01/2007" (the book number is no registration number), nor
    "Chủ hộ" in "Quan hệ với chủ hộ:": a known label that begins before this one and runs into it owns
    the words. A one-word label written in lower case after a word or a comma ("Hộ chiếu số:", "về cha, mẹ:") ends
    a phrase the lexicon does not list, so it is not that label either ("; email:" still is one).
    """
    for other in _all_labels().finditer(folded):
        if other.start() < start < other.end():
            return False
        if other.start() >= start:
            break
    one_word = len(fold_words(text[start:end]).split()) == 1
    before = text[:start].rstrip()[-1:]  # a word or a comma: the label word continues a phrase
    return not (one_word and text[start : start + 1].islower() and (before.isalpha() or before == ","))


def find_label(pattern: re.Pattern[str], folded: str, text: str) -> re.Match[str] | None:
    """The first match of a label pattern on the line that is a whole label (``whole_label``)."""
    pos = 0
    while (m := pattern.search(folded, pos)) is not None:
        if whole_label(folded, text, m.start(), m.end()):
            return m
        pos = m.start() + 1
    return None


def compile_patterns(doc_types: Sequence[DocType]) -> None:
    """Compile the label patterns of these types now, not on first use (see ``field_flags.load_vocabularies``)."""
    _all_labels()
    _all_bare()
    for doc_type in doc_types:
        for spec in doc_type.schema:
            if spec.labels:
                _compiled(spec.labels)
                _bare(spec.labels)
                _headed(spec.labels)
                _numbered(spec.labels)


def _continues(line: Line, nxt: Line) -> bool:
    """`nxt` is the wrapped rest of `line`'s value: just below, same page, no label, `line` runs to the margin."""
    height = line.bbox[3] - line.bbox[1]
    if nxt.page != line.page or nxt.bbox[1] - line.bbox[3] > 0.9 * height:
        return False
    if _kept_right(line) < 0.78 * line.page_width or line.text.rstrip().endswith((".", ";", ":")):
        return False  # a line that stops short of the margin, or ends a sentence, ends the value
    if _all_labels().search(fold(nxt.text)) or starts_with_label(nxt.text):
        return False
    return not re.match(r"^\s*(?:\d{1,2}[.)]|[a-zđ][)]|[-–•+])\s", nxt.text)


def _list_items(lines: Sequence[Line], i: int) -> list[int]:
    """Indexes of the "- item;" lines listed after the label of line `i` ("Kính gửi:" then "- Sở Tư pháp;").

    The first item may sit on the label's own row, read by OCR as a line of its own before or after it.
    """
    label = lines[i]
    height = label.bbox[3] - label.bbox[1]
    items = sorted(
        (
            j
            for j in range(max(0, i - 2), len(lines))
            if j != i
            and lines[j].page == label.page
            and lines[j].text.lstrip().startswith("-")
            and lines[j].bbox[0] > label.bbox[0]
            and lines[j].bbox[1] >= label.bbox[1] - height / 2
        ),
        key=lambda j: lines[j].bbox[1],
    )
    out: list[int] = []
    bottom = label.bbox[3]
    for j in items:
        if lines[j].bbox[1] - bottom > 0.9 * height:
            break
        out.append(j)
        bottom = lines[j].bbox[3]
    return out


def _word_spans(line: Line) -> list[tuple[int, int, Word]]:
    """Each word of the line with its character span in ``line.text``."""
    out, pos = [], 0
    for w in line.words:
        out.append((pos, pos + len(w.text), w))
        pos += len(w.text) + 1
    return out


LEADER_RUN = re.compile(r"(?:[.…·_]\s*){3,}")
STRAY_MAX_CHARS = 2  # a token of this many letters or fewer may be a speck read as a letter ("Ñ", "ee")


def _stray(word: Word, ref: float) -> bool:
    """A token that is no word of a value: debris (``geometry.is_debris``), or one or two letters that
    spell no Vietnamese syllable ("Ñ": a QR code or a fingerprint box read as text). Digits and short
    words ("Nữ", "12") are values."""
    if is_debris(word, ref):
        return True
    core = word.text.strip(".,;:()[]{}|'\"`")
    alnum = [c for c in core if c.isalnum()]
    return len(alnum) <= STRAY_MAX_CHARS and not any(c.isdigit() for c in alnum) and not known_syllable(core)


def far_debris(words: Sequence[Word], ref: float) -> int:
    """How many words at the right end of a row are debris set apart by a cell gap: a card's QR code or
    fingerprint box beside the labels and values, read as "...", "Ñ", ") |". A value never ends in a
    cell of its own that holds no word; the words before the gap stay whatever they are."""
    end = len(words)
    while end > 1:
        gap = next((k for k in range(end - 1, 0, -1) if cell_break(words[k - 1], words[k], ref)), None)
        if gap is None or not all(_stray(w, ref) for w in words[gap:end]):
            break
        end = gap
    return len(words) - end


def _stray_line(line: Line) -> bool:
    """A line that holds nothing but debris: no cell to take a value from."""
    ref = text_height(line.words) or float(line.bbox[3] - line.bbox[1])
    return all(_stray(w, ref) for w in line.words)


def _kept_right(line: Line) -> int:
    """The right edge of the line's words without the debris at its far right (``far_debris``)."""
    words = line.words[: len(line.words) - far_debris(line.words, text_height(line.words))]
    return max((w.bbox[2] for w in words), default=line.bbox[2])


def _clean_part(line: Line, start: int, end: int) -> tuple[str, list[Word], bool]:
    """The text of ``line`` in [start, end) without leaders and rule debris, its words, and whether
    leader dots ended it (forms fill the rest of a line with them, so nothing after them is the value)."""
    text = line.text
    cut = False
    for m in LEADER_RUN.finditer(text, start, end):
        if any(c.isalnum() for c in text[start : m.start()]):
            end, cut = m.start(), True
            break
        start = m.end()  # leaders between the label and its value
    ref = text_height(line.words)
    far = {id(w) for w in line.words[len(line.words) - far_debris(line.words, ref) :]}
    spans = [(a, b, w) for a, b, w in _word_spans(line) if a < end and b > start and id(w) not in far]
    while spans and is_debris(spans[-1][2], ref):
        spans.pop()
    while spans and is_debris(spans[0][2], ref):
        spans.pop(0)
    if not spans:
        return "", [], cut
    lo, hi = max(start, spans[0][0]), min(end, spans[-1][1])
    return strip_leaders(text[lo:hi]), [_part_of(w, a, b, lo, hi) for a, b, w in spans], cut


def _part_of(word: Word, a: int, b: int, lo: int, hi: int) -> Word:
    """The word cut to the characters [lo, hi) of the line it spans [a, b) of, its box cut in proportion:
    OCR glues leader dots to a value ("0912345678........"), and the box must show the value alone."""
    if lo <= a and b <= hi:
        return word
    x0, y0, x1, y1 = word.bbox
    per_char = (x1 - x0) / max(1, b - a)
    k0, k1 = max(lo, a) - a, min(hi, b) - a
    box = (round(x0 + k0 * per_char), y0, round(x0 + k1 * per_char), y1)
    return Word(word.text[k0:k1], box, word.confidence, word.line, word.block)


def _has_label_left(lines: Sequence[Line], line: Line) -> bool:
    """A label cell on the same row, left of ``line``: ``line`` is that row's value, not a wrapped one."""
    return any(same_row(o, line) and o.bbox[2] <= line.bbox[0] + 2 and starts_with_label(o.text) for o in lines)


def _below(lines: Sequence[Line], line: Line) -> Line | None:
    """The line just under a label printed alone (its value set on the next line), if any."""
    height = text_height(line.words) or (line.bbox[3] - line.bbox[1])
    x0 = line.bbox[0] - 2 * height
    x1 = line.bbox[0] + 0.5 * line.page_width
    under = [
        ln
        for ln in lines
        if ln.page == line.page
        and ln is not line
        and line.bbox[3] - 0.3 * height <= ln.bbox[1] <= line.bbox[3] + 1.5 * height
        and ln.bbox[0] < x1
        and ln.bbox[2] > x0
        and not _stray_line(ln)
    ]
    return min(under, key=lambda ln: (ln.bbox[1], ln.bbox[0]), default=None)


def _value_elsewhere(lines: Sequence[Line], line: Line) -> Line | None:
    """Where the value of a label with nothing after it is: the next cell on its row, else the line under it.

    Debris beside the label (a card's QR code read as "...") is no cell: the value is then under it."""
    for cell in [c for c in right_on_row(lines, line) if not _stray_line(c)][:1]:
        if not starts_with_label(cell.text):
            return cell
        return None  # the next cell is another label: this one was left empty
    under = _below(lines, line)
    if under is not None and not starts_with_label(under.text) and not _has_label_left(lines, under):
        return under
    return None


DIGIT_NORMALIZERS = ("digits", "boxed_digits")


def _next_line(lines: Sequence[Line], line: Line) -> Line | None:
    """The line a value wraps onto: right under it in its column, with no label cell of its own."""
    for nxt in below_in_column(lines, line, max_lines=0.9)[:1]:
        if _continues(line, nxt) and not _has_label_left(lines, nxt):
            return nxt
    return None


def _prose_tail(lines: Sequence[Line], line: Line, *, places: bool) -> tuple[Line, int] | None:
    """The next line of a paragraph when a value wrapped onto it ends inside it ("Ma Thuột, tỉnh Đắk Lắk.
    Số định danh cá nhân: ..."), and where it ends: at the line's next label, or for an address
    (``places``, one phrase) at the end of the sentence.

    ``_continues`` refuses a line with a label in it, since a label opening a line is a new field; in
    prose the value's last words come first, and the label after them ends it."""
    if line.bbox[2] < 0.78 * line.page_width or line.text.rstrip().endswith((".", ";", ":")):
        return None
    under = next_prose_line(lines, line)
    if under is None or starts_with_label(under.text) or _has_label_left(lines, under):
        return None
    label = find_label(_all_labels(), fold(under.text), under.text)
    sentence = SENTENCE_END.search(under.text) if places else None
    stops = [m.start() for m in (label, sentence) if m is not None and m.start() > 0]
    return (under, min(stops)) if stops else None


def _span(lines: Sequence[Line], i: int, spec: FieldSpec, start: int) -> tuple[str, list[Word], int] | None:
    """The value's text after the label (ending at the next label), its words, and the last line used.

    A label with nothing after it on its line takes the next cell of its row or the line under it;
    a ``multiline`` value takes the lines under it in its column until a label or a gap.
    """
    index = {id(ln): k for k, ln in enumerate(lines)}
    line = lines[i]
    folded = fold(line.text)
    nxt = _all_labels().search(folded, start)
    if nxt is None and (split := split_label(lines, line, _all_labels())) is not None and split[1] >= start:
        nxt = split[3]  # "...; địa" / "chỉ thường trú: ...": the next label begins at the line's end
    end = nxt.start() if nxt else len(line.text)
    text, words, cut = _clean_part(line, start, end)
    last = i
    if spec.normalizer == "serial" and not nxt and (wrapped := wrapped_code(lines, line, words)) is not None:
        digits_line, digits = wrapped
        words = [*first_cell(words), *digits]
        text, last = " ".join(w.text for w in words), index[id(digits_line)]
    listed = _list_items(lines, i) if spec.type == "list" and not nxt else []
    if not text.strip(" .;,:") and not nxt and not listed:
        cell = _value_elsewhere(lines, line)
        if cell is not None:
            text, words, cut = _clean_part(cell, 0, len(cell.text))
            last = index[id(cell)]
            if spec.normalizer in DIGIT_NORMALIZERS:
                for more in id_boxes.digit_cells(lines, cell):  # the other boxes of an ID printed in boxes
                    text, words = f"{text} {more.text}", [*words, *more.words]
    if spec.normalizer in DIGIT_NORMALIZERS and len(kept := id_boxes.drop_box_rules(words)) < len(words):
        words, text = kept, " ".join(w.text for w in kept)  # the boxes' rules read as tall "1" or "|"
    if spec.multiline and not nxt and text and not cut:
        while (more := _next_line(lines, lines[last])) is not None:
            # an address is one phrase: the sentence its last line ends is the end of it
            stop = SENTENCE_END.search(more.text) if spec.vocabulary == "places" else None
            part, part_words, cut = _clean_part(more, 0, stop.start() if stop else len(more.text))
            cut = cut or stop is not None
            last = index[id(more)]
            text += " " + part
            words.extend(part_words)
            if cut:
                break
        if not cut and (tail := _prose_tail(lines, lines[last], places=spec.vocabulary == "places")) is not None:
            more, stop = tail  # the value's last words, then the next label of the paragraph on that line
            part, part_words, _cut = _clean_part(more, 0, stop)
            last = index[id(more)]
            text += " " + part
            words.extend(part_words)
    if spec.type == "list" and not nxt:
        items = [text] if text.strip(" .;,:") else []
        for j in listed:
            items.append(lines[j].text)
            words.extend(lines[j].words)
            last = max(last, j)
        text = "; ".join(item.strip(" .;,:-–•+") for item in items)
    text = text.strip(" .;,:")
    return (text, words, last) if text else None


def _first_line(lines: Sequence[Line], spec: FieldSpec) -> int:
    if not spec.after:
        return 0
    key = fold_words(spec.after)
    return next((i + 1 for i, ln in enumerate(lines) if key in fold_words(ln.text)), len(lines))


def normalize_value(spec: FieldSpec, raw: str) -> tuple[str | None, tuple[str, ...]]:
    """The stored value of a field from its raw text, by its normalizer or type; reasons when it fails."""
    if spec.normalizer:
        value = normalize.NORMALIZERS[spec.normalizer](raw)
        if value and spec.normalizer == "boxed_digits" and value != normalize.digits(raw):
            return value, ("ocr_repaired",)  # box rules read as "1" were dropped: a reviewer confirms
        return (value, ()) if value else (None, ("unreadable",))
    if spec.type == "date":
        iso = normalize.parse_date(raw)
        if iso and normalize.day_month_ambiguous(raw):
            return iso, ("day_month_ambiguous",)
        return (iso, ()) if iso else (None, ("invalid_date",))
    if spec.type == "decimal":
        number = normalize.parse_number(raw)
        if number is None:
            return None, ("number_format",)
        return normalize.number_text(number), ("number_truncated",) if normalize.number_truncated(raw) else ()
    if spec.type == "int":
        m = re.search(r"\d+", raw)
        return (str(int(m.group(0))), ()) if m else (None, ("number_format",))
    if spec.type == "enum":
        folded = fold_words(raw)
        value = next((v for v in spec.values if folded.startswith(fold_words(v))), None)
        return (value, ()) if value else (None, ("not_in_vocabulary",))
    return normalize.clean_text(raw).strip(" .;,") or None, ()


def _words_check(lines: Sequence[Line], spec: FieldSpec, value: str, first: int, last: int) -> tuple[str, ...]:
    """Compare an amount or date with its copy in words ("Bằng chữ: ...") on the same or the next line.

    Words that do not parse are not judged: only a copy that reads as another amount is a disagreement.
    """
    if not spec.words_label:
        return ()
    pattern = re.compile(label_pattern(spec.words_label))
    for k in range(first, min(last + 2, len(lines))):
        m = pattern.search(fold(lines[k].text))
        if not m:
            continue
        words = lines[k].text[m.end() :]
        if k + 1 < len(lines) and (
            (")" not in words and "(" in lines[k].text[: m.start()]) or _continues(lines[k], lines[k + 1])
        ):
            words += " " + lines[k + 1].text  # the words wrap onto the next line
        words = words.split(")")[0]
        if spec.type == "date":
            other = normalize.parse_date_words(words)
        else:
            number = normalize.parse_number_words(words)
            other = normalize.number_text(number) if number is not None else None
        return () if other is None or other == value else ("digits_words_mismatch",)
    return ()


def _table_reading(lines: Sequence[Line], spec: FieldSpec, cell: HeadCell) -> Reading | None:
    """A head-row table's value in the head's column (``pipeline.header_table``), None if its cell is empty."""
    raw = value_text(cell)
    if not raw or cell.value_line is None:
        return None
    value, reasons = normalize_value(spec, raw)
    printed = " ".join(w.text for w in cell.value)  # before ``value_text`` drops the comma that ends "773,"
    if spec.type == "decimal" and value is not None and not reasons and normalize.number_truncated(printed):
        reasons = ("number_truncated",)
    if value is not None:  # the copy in words the schema names ("Bằng chữ: ...") checks a table's value too
        reasons += _words_check(lines, spec, value, cell.value_line, cell.value_line)
    line = lines[cell.value_line]
    return Reading(value, raw, cell.value, line.page, cell.value_line, reasons)


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    return frozenset(all_labels() | set(STOP_LABELS))


def _read_line(
    lines: Sequence[Line],
    folded: Sequence[str],
    i: int,
    spec: FieldSpec,
    heads: dict[int, list[HeadCell]],
    in_heads: frozenset[int],
) -> Reading | None:
    """Line ``i``'s reading of the field: the head's column when the line heads a column of a head-row
    table, nothing when it is a head or a value of such a table, else by its label."""
    if i in in_heads:
        keys = {fold_words(label) for label in spec.labels}
        cell = next((c for c in heads.get(i, ()) if c.label in keys), None)
        return _table_reading(lines, spec, cell) if cell else None
    return _read_at(lines, folded, i, spec)


def _head_lines(heads: dict[int, list[HeadCell]]) -> frozenset[int]:
    """Indexes of the lines that hold a head-row table's heads or values."""
    return frozenset(j for cells in heads.values() for cell in cells for j in (*cell.lines, *cell.value_lines))


def _read_at(lines: Sequence[Line], folded: Sequence[str], i: int, spec: FieldSpec) -> Reading | None:
    """The field read from line ``i`` when one of its labels opens a value there, or begins at its end
    and goes on at the head of the next line (the value is then read on that line)."""
    pattern, bare, headed = _compiled(spec.labels), _bare(spec.labels), _headed(spec.labels)
    m = find_label(pattern, folded[i], lines[i].text) or bare.search(folded[i])
    if m is None and (h := headed.search(folded[i])) and _gap_after(lines[i], h.end()):
        m = h
    m = m or _numbered(spec.labels).search(folded[i])
    if m is None and (split := split_label(lines, lines[i], pattern)) is not None:
        under, _start, value_start, _m = split
        j = lines.index(under)
        found = _span(lines, j, spec, value_start)
        return _reading(lines, spec, j, found) if found else None
    found = _span(lines, i, spec, m.end()) if m else None
    return _reading(lines, spec, i, found) if found else None


def _reading(lines: Sequence[Line], spec: FieldSpec, i: int, found: tuple[str, list[Word], int]) -> Reading:
    raw, words, last = found
    value, reasons = normalize_value(spec, raw)
    if value is not None:
        reasons += _words_check(lines, spec, value, i, last)
    return Reading(value, raw, tuple(words), lines[i].page, i, reasons)


def _last_line(lines: Sequence[Line], spec: FieldSpec, doc_type: DocType) -> int:
    """Where the search for ``spec`` stops: at the heading of another field's section that shares a
    label with it ("Địa chỉ:" under "Thông tin thửa đất" is the parcel's, not the holder's)."""
    keys = {fold_words(lab) for lab in spec.labels}
    heads = {
        fold_words(other.after)
        for other in doc_type.schema
        if other.after and other is not spec and keys & {fold_words(lab) for lab in other.labels}
    }
    return next((i for i, ln in enumerate(lines) if any(h in fold_words(ln.text) for h in heads)), len(lines))


def _in_section(lines: Sequence[Line], folded: Sequence[str], spec: FieldSpec, doc_type: DocType) -> Reading | None:
    """The field read under one of its section headings by the section's generic labels, or in the
    heading's column when the sections are the columns of a table."""
    inner = replace(spec, labels=spec.section_labels)
    pattern = _compiled(inner.labels)
    for head in label_sections.headings(lines, spec):
        column = label_sections.column_of(lines, head, doc_type)
        for i in label_sections.section_lines(lines, head, doc_type):
            if column is None:
                reading = _read_at(lines, folded, i, inner)
            else:
                m = find_label(pattern, folded[i], lines[i].text) or _bare(inner.labels).search(folded[i])
                words = label_sections.words_in_column(lines, lines[i], _end_x(lines[i], m.end()), column) if m else []
                text = " ".join(w.text for w in words).strip(" .;,:")
                reading = _reading(lines, inner, i, (text, words, i)) if text else None
            if reading is not None:
                return reading
    return None


def _end_x(line: Line, end: int) -> float:
    """The x where the character ``end`` of the line's text falls: the right edge of the word before it."""
    before = [w for a, b, w in _word_spans(line) if a < end]
    return float(before[-1].bbox[2]) if before else float(line.bbox[0])


def read_labelled(lines: Sequence[Line], doc_type: DocType) -> dict[str, Reading]:
    """Every labelled field of the type's schema found in the lines, first occurrence each.

    A label heading a column of a head-row table takes the value under it in its column, nothing else.
    """
    out: dict[str, Reading] = {}
    folded = [fold(ln.text) for ln in lines]
    heads = head_cells(lines, _vocabulary())
    in_heads = _head_lines(heads)
    for spec in doc_type.schema:
        if not spec.labels:
            continue
        stop = _last_line(lines, spec, doc_type)
        owned = label_sections.owned_lines(lines, spec, doc_type)
        reading = next(
            (
                r
                for i in range(_first_line(lines, spec), stop)
                if i not in owned and (r := _read_line(lines, folded, i, spec, heads, in_heads))
            ),
            None,
        )
        if reading is None and spec.section_labels:
            reading = _in_section(lines, folded, spec, doc_type)
        if reading is not None:
            out[spec.key] = reading
    out.update(lone_values(lines, doc_type, out))
    return out


def lone_values(lines: Sequence[Line], doc_type: DocType, found: dict[str, Reading]) -> dict[str, Reading]:
    """Fields printed without their label, known by their shape alone (a land certificate's serial
    "AA 01234567" at the foot of page 1): a cell that holds nothing else, on the document's first page,
    whose words no other field took and with no label before it on its row or over it.

    A cell, not a line: the serial shares its row with the signer's name far to the right ("AK 82967113
    ... Lâm Thị Thanh Tuyết"), which OCR may read as one line; the blank between them parts them."""
    out: dict[str, Reading] = {}
    taken = {id(w) for reading in found.values() for w in reading.words}
    first_page = lines[0].page if lines else 0
    for spec in doc_type.schema:
        if not spec.shape or spec.key in found:
            continue
        shape = re.compile(spec.shape)
        for i, line in enumerate(lines):
            if line.page != first_page or _has_label_left(lines, line) or _claimed_from_above(lines, line):
                continue
            parts = cells(line.words)
            for k, cell in enumerate(parts):
                text = " ".join(w.text for w in cell).strip(" .;,:|")
                if shape.fullmatch(text) and not any(id(w) in taken for w in cell):
                    if k and starts_with_label(" ".join(w.text for w in parts[k - 1])):
                        break  # the cell is the value of the label cell before it
                    value, reasons = normalize_value(spec, text)
                    out[spec.key] = Reading(value, text, tuple(cell), line.page, i, reasons)
                    break
            if spec.key in out:
                break
    return out


def _claimed_from_above(lines: Sequence[Line], line: Line) -> bool:
    """The line sits under a label printed alone ("Số vào sổ cấp GCN:" then "CS 054941"): it is that
    label's value, whatever its shape."""
    height = text_height(line.words) or (line.bbox[3] - line.bbox[1])
    return any(
        o.page == line.page
        and 0 <= line.bbox[1] - o.bbox[3] <= 1.5 * height
        and min(o.bbox[2], line.bbox[2]) - max(o.bbox[0], line.bbox[0]) > -2 * height
        and starts_with_label(o.text)
        and not _clean_part(o, _label_end(o), len(o.text))[0].strip(" .;,:")
        for o in lines
    )


def _label_end(line: Line) -> int:
    """Where the label opening the line ends in its text (0 when none does)."""
    folded = fold(line.text)
    m = _all_labels().search(folded) or _all_bare().search(folded)
    return m.end() if m else 0
